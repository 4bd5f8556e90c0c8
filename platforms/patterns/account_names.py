"""What AWS accepts as an account's e-mail address and alias, and how aliases are sanitised."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from ._messages import _characters, _describe, _first_bad_char
from .identifiers import _IDENTIFIER_CHAR

_MIN_EMAIL_LENGTH = 6
_MAX_EMAIL_LENGTH = 64
_MIN_ALIAS_LENGTH = 3
_MAX_ALIAS_LENGTH = 63

_ACCOUNT_ALIAS = re.compile(r"[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]")

# No "localhost" exception: AWS wants a domain with a dot in it.
_EMAIL_SYNTAX = EmailValidator(allowlist=[])


# --- account e-mail, alias and name ----------------------------------------------------------


def validate_account_email(address: str) -> None:
    """Check an account's e-mail address as AWS does: 6 to 64 ASCII characters, one @."""
    if not address.isascii():
        bad = next(char for char in address if not char.isascii())
        raise ValidationError(
            f"contains {_describe(bad)}; AWS accepts only 7-bit ASCII addresses",
            code="not_ascii",
        )
    if not _MIN_EMAIL_LENGTH <= len(address) <= _MAX_EMAIL_LENGTH:
        raise ValidationError(
            f"has {_characters(len(address))}; AWS needs {_MIN_EMAIL_LENGTH} to "
            f"{_MAX_EMAIL_LENGTH}",
            code="length",
        )
    if address.count("@") != 1:
        raise ValidationError(
            f"has {address.count('@')} @ signs; an address needs exactly one",
            code="at_count",
        )
    local, domain = address.split("@")
    if not _EMAIL_SYNTAX.user_regex.match(local):
        raise ValidationError(
            "is not a valid address: the part before the @ must be letters, digits and "
            "!#$%&'*+/=?^_`{|}~- with single dots between them",
            code="invalid_local_part",
        )
    if not _EMAIL_SYNTAX.validate_domain_part(domain):
        raise ValidationError(
            "is not a valid address: the part after the @ must be a domain such as example.com",
            code="invalid_domain",
        )


def validate_account_alias(alias: str) -> None:
    """Check an account alias as AWS does: 3 to 63 lowercase letters, digits, single hyphens."""
    if not _MIN_ALIAS_LENGTH <= len(alias) <= _MAX_ALIAS_LENGTH:
        raise ValidationError(
            f"has {_characters(len(alias))}; AWS needs {_MIN_ALIAS_LENGTH} to {_MAX_ALIAS_LENGTH}",
            code="length",
        )
    bad = _first_bad_char(alias, _IDENTIFIER_CHAR)
    if bad is not None:
        raise ValidationError(
            f"contains {_describe(bad)}; an alias may contain only lowercase letters, digits "
            "and hyphens",
            code="invalid_character",
        )
    if alias.startswith("-") or alias.endswith("-"):
        raise ValidationError(
            "starts or ends with a hyphen; an alias must start and end with a letter or digit",
            code="hyphen_at_end",
        )
    if "--" in alias:
        raise ValidationError(
            "has two hyphens in a row; an alias may contain only single hyphens",
            code="double_hyphen",
        )
    if alias.isdigit():
        raise ValidationError(
            "is all digits; AWS needs at least one letter or hyphen", code="digits"
        )
    if not _ACCOUNT_ALIAS.fullmatch(alias):  # the checks above should have said why
        raise ValidationError("is not a valid account alias", code="invalid")


def sanitize_alias(text: str) -> str:
    """Turn a rendered alias into AWS's alphabet: lowercase, '.' and '_' as single hyphens."""
    text = text.lower().replace(".", "-").replace("_", "-")
    return re.sub(r"-{2,}", "-", text).strip("-")
