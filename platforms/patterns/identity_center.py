"""IAM Identity Center: instance, identity store and permission set ids, the sign-in URL, and
the group name pattern with its worst case against Identity Store's rules for group names.

The patterns are those of the SSO Admin and Identity Store API references (InstanceArn,
PermissionSetArn, the IdentityStoreId of DescribeInstance, a group's DisplayName).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from ._messages import _describe
from .identifiers import MAX_PROJECT_ROLE_IDENTIFIER_LENGTH
from .placeholders import _CUSTOMER, _PROJECT, _PROJECT_ROLE, NameContext, _parse, _placeholders
from .rendering import _check_lengths, _limits_text, _longest, _render

_PARTITION = r"aws(-[a-z]{1,5}){0,3}"
_INSTANCE_ARN = re.compile(
    rf"arn:{_PARTITION}:sso:::instance/(?P<instance>(sso)?ins-[a-zA-Z0-9-.]{{16}})"
)
_PERMISSION_SET_ARN = re.compile(
    rf"arn:{_PARTITION}:sso:::permissionSet/(?P<instance>(sso)?ins-[a-zA-Z0-9-.]{{16}})"
    r"/ps-[a-zA-Z0-9-./]{16}"
)
_MAX_ARN_LENGTH = 1224
# DescribeInstance's IdentityStoreId: d- and ten hex digits, or a UUID.
_IDENTITY_STORE_ID = re.compile(
    r"d-[0-9a-f]{10}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
MAX_GROUP_NAME_LENGTH = 1024
MAX_SIGN_IN_URL_LENGTH = 300
# A group's DisplayName: [\p{L}\p{M}\p{S}\p{N}\p{P}\t\n\r \u00a0\u3000]+, 1 to 1024.
_GROUP_NAME_CATEGORIES = ("L", "M", "S", "N", "P")
_GROUP_NAME_EXTRA = "\t\n\r \u00a0\u3000"
_HTTPS_URL = URLValidator(schemes=["https"], message="must be an https URL")


def validate_instance_arn(value: str) -> None:
    """Check an Identity Center instance ARN: arn:aws:sso:::instance/ssoins-…"""
    if len(value) > _MAX_ARN_LENGTH or not _INSTANCE_ARN.fullmatch(value):
        raise ValidationError(
            "is not an IAM Identity Center instance ARN; it looks like "
            "arn:aws:sso:::instance/ssoins-0123456789abcdef",
            code="invalid_instance_arn",
        )


def validate_permission_set_arn(value: str, *, instance_arn: str = "") -> None:
    """Check a permission set ARN, and that it belongs to the instance when one is given."""
    match = _PERMISSION_SET_ARN.fullmatch(value) if len(value) <= _MAX_ARN_LENGTH else None
    if match is None:
        raise ValidationError(
            "is not a permission set ARN; it looks like "
            "arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-0123456789abcdef",
            code="invalid_permission_set_arn",
        )
    instance = _INSTANCE_ARN.fullmatch(instance_arn)
    if instance is not None and instance["instance"] != match["instance"]:
        raise ValidationError(
            f"belongs to the instance {match['instance']}, not to identityCenter's "
            f"{instance['instance']}",
            code="other_instance",
        )


def validate_identity_store_id(value: str) -> None:
    """Check an identity store id: d-1234567890 (d- and ten hex digits) or a UUID."""
    if not _IDENTITY_STORE_ID.fullmatch(value):
        raise ValidationError(
            "is not an identity store id; it is d- followed by ten digits or letters a-f, such "
            "as d-1234567890 (the instance's settings show it)",
            code="invalid_identity_store_id",
        )


def validate_sign_in_url(value: str) -> None:
    """Check the AWS access portal URL: https, at most 300 characters."""
    if len(value) > MAX_SIGN_IN_URL_LENGTH:
        raise ValidationError(
            f"has {len(value)} characters; at most {MAX_SIGN_IN_URL_LENGTH}", code="too_long"
        )
    _HTTPS_URL(value)


def render_group_name(pattern: str, context: NameContext, project_role: str) -> str:
    """The Identity Store group name a pattern gives one project account's project role."""
    parts = _parse(pattern, alias=True, group=True)
    return _render(parts, replace(context, project_role=project_role))


def group_name_worst_case(
    pattern: str, *, customer_length: int, project_length: int, platform: str = ""
) -> str:
    """The longest group name a pattern can render, every placeholder at its longest."""
    _check_lengths(customer_length, project_length)
    parts = _parse(pattern, alias=True, group=True)
    return _render(parts, _longest_with_role(customer_length, project_length, platform))


def validate_group_name_pattern(
    pattern: str, *, customer_length: int, project_length: int, platform: str = ""
) -> str:
    """Check that a pattern renders a valid, distinct group name for every project role of
    every account (at its worst case); return the longest name."""
    _check_lengths(customer_length, project_length)
    parts = _parse(pattern, alias=True, group=True)
    bad = sorted(
        {char for part in parts if isinstance(part, str) for char in part if not _allowed(char)}
    )
    if bad:
        raise ValidationError(
            f"contains {', '.join(_describe(char) for char in bad)}; Identity Store group names "
            "may contain letters, marks, symbols, digits, punctuation, spaces, tabs and line "
            "breaks only",
            code="invalid_character",
        )
    found = _placeholders(parts)
    complete = {
        _CUSTOMER: customer_length,
        _PROJECT: project_length,
        _PROJECT_ROLE: MAX_PROJECT_ROLE_IDENTIFIER_LENGTH,
    }
    if not all(
        any(part.value == value and part.is_complete(length) for part in found)
        for value, length in complete.items()
    ):
        raise ValidationError(
            "would give several groups the same name; include #{customerIdentifier}, "
            "#{projectIdentifier} and #{projectRoleIdentifier}, none of them truncated",
            code="not_unique",
        )
    worst = _render(parts, _longest_with_role(customer_length, project_length, platform))
    if len(worst) > MAX_GROUP_NAME_LENGTH:
        raise ValidationError(
            f"the longest group name it can produce has {len(worst)} characters "
            f"({_limits_text(parts, customer_length, project_length, platform)}, project role "
            f"identifiers up to {MAX_PROJECT_ROLE_IDENTIFIER_LENGTH}); Identity Store allows "
            f"{MAX_GROUP_NAME_LENGTH}",
            code="too_long",
        )
    return worst


def _allowed(char: str) -> bool:
    """Whether a group's DisplayName may contain the character."""
    return char in _GROUP_NAME_EXTRA or unicodedata.category(char)[0] in _GROUP_NAME_CATEGORIES


def _longest_with_role(customer_length: int, project_length: int, platform: str) -> NameContext:
    """The longest values of every placeholder, the project role's included."""
    longest = _longest(customer_length, project_length, platform)
    return replace(longest, project_role="a" * MAX_PROJECT_ROLE_IDENTIFIER_LENGTH)
