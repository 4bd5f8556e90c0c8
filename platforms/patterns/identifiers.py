"""Customer, project and platform identifiers, and the length limits that bound them."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from ._messages import _article, _describe, _first_bad_char

DEFAULT_CUSTOMER_IDENTIFIER_LENGTH = 16
DEFAULT_PROJECT_IDENTIFIER_LENGTH = 30
MAX_CUSTOMER_IDENTIFIER_LENGTH = 16
MAX_PROJECT_IDENTIFIER_LENGTH = 30
MAX_TENANT_PLATFORM_NUMBER = 999_999
MAX_PROJECT_ROLE_IDENTIFIER_LENGTH = 50

_MAX_PLATFORM_IDENTIFIER_LENGTH = 63

_IDENTIFIER_CHAR = re.compile(r"[a-z0-9-]")


# --- identifiers -----------------------------------------------------------------------------


def validate_identifier(value: str, *, max_length: int, kind: str = "identifier") -> None:
    """Check an identifier: lowercase letters, digits and single hyphens, 1..max_length long."""
    a_kind = f"{_article(kind)} {kind}"
    if not value:
        raise ValidationError("must not be empty", code="required")
    if len(value) > max_length:
        raise ValidationError(
            f"has {len(value)} characters; {a_kind} may have at most {max_length}",
            code="too_long",
        )
    bad = _first_bad_char(value, _IDENTIFIER_CHAR)
    if bad is not None:
        raise ValidationError(
            f"contains {_describe(bad)}; {a_kind} may contain only lowercase letters, digits "
            "and single hyphens",
            code="invalid_character",
        )
    if value.startswith("-") or value.endswith("-"):
        raise ValidationError(
            f"starts or ends with a hyphen; {a_kind} must start and end with a letter or digit",
            code="hyphen_at_end",
        )
    if "--" in value:
        raise ValidationError(
            f"has two hyphens in a row; {a_kind} may contain only single hyphens",
            code="double_hyphen",
        )


def validate_identifier_limits(customer_length: int, project_length: int) -> None:
    """Check the identifier length limits against the maxima AWS names allow (16 and 30)."""
    errors: dict[str, ValidationError] = {}
    for key, value, maximum in (
        ("customerIdentifierLength", customer_length, MAX_CUSTOMER_IDENTIFIER_LENGTH),
        ("projectIdentifierLength", project_length, MAX_PROJECT_IDENTIFIER_LENGTH),
    ):
        if not 1 <= value <= maximum:
            errors[key] = ValidationError(
                f"is {value}; it must be between 1 and {maximum}, or account e-mail addresses "
                "and aliases can exceed what AWS allows",
                code="out_of_range",
            )
    if errors:
        raise ValidationError(errors)


def validate_platform_identifier(value: str) -> None:
    """Check a platform identifier: lowercase letters, digits, hyphens; starts with a letter."""
    if not value:
        raise ValidationError("must not be empty", code="required")
    if len(value) > _MAX_PLATFORM_IDENTIFIER_LENGTH:
        raise ValidationError(
            f"has {len(value)} characters; a platform identifier may have at most "
            f"{_MAX_PLATFORM_IDENTIFIER_LENGTH}",
            code="too_long",
        )
    bad = _first_bad_char(value, _IDENTIFIER_CHAR)
    if bad is not None:
        raise ValidationError(
            f"contains {_describe(bad)}; a platform identifier may contain only lowercase "
            "letters, digits and hyphens",
            code="invalid_character",
        )
    if not value[0].isalpha():
        raise ValidationError("must start with a lowercase letter", code="invalid_start")
    if value.endswith("-"):
        raise ValidationError("must not end with a hyphen", code="hyphen_at_end")


_EXTERNAL_USER_ID = re.compile(r"[^\s\x00-\x1f\x7f]{1,254}")


def validate_external_user_id(value: str) -> None:
    """Check a user id from the identity provider (usually an e-mail): 1-254, no spaces."""
    if not value:
        raise ValidationError("must not be empty", code="required")
    if not _EXTERNAL_USER_ID.fullmatch(value):
        raise ValidationError(
            "must be a user id of at most 254 characters without spaces (usually an e-mail)",
            code="invalid_user",
        )
