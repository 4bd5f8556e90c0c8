"""Names of AWS resources: regions, IAM role and policy names and ARNs, external ids, OU and
root ids, StackSet names, tags and SAML provider names."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from aws import known_regions

from ._messages import _article, _describe, _first_bad_char

_MAX_ROLE_NAME_LENGTH = 64
_MAX_POLICY_NAME_LENGTH = 128

_PARTITIONS = (
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
)

# IAM and STS document their patterns in Java regex syntax, where \w is ASCII only.
_IAM_NAME_CHAR = re.compile(r"[\w+=,.@-]", re.ASCII)
_IAM_NAME_CHARS_TEXT = "letters, digits and + = , . @ _ -"
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]+", re.ASCII)
_SAML_PROVIDER_CHAR = re.compile(r"[\w.-]", re.ASCII)
# Tags allow Unicode letters and numbers (\p{L}, \p{N}), so here \w stays Unicode.
_TAG_CHAR = re.compile(r"[\w .:/=+\-@]")
_TAG_CHARS_TEXT = "letters, digits, spaces and _ . : / = + - @"
_TWELVE_DIGITS = re.compile(r"[0-9]{12}")
_TARGET_OU = re.compile(r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32}")
_STACK_SET_NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]{0,127}")


# --- AWS resources ---------------------------------------------------------------------------


def validate_region(value: str) -> None:
    """Check that the value is the name of a region AWS has, such as eu-central-1."""
    if value not in known_regions():
        shown = f"'{value}' is" if value else "an empty value is"
        raise ValidationError(
            f"{shown} not an AWS region; give a region name such as eu-central-1",
            code="unknown_region",
        )


def _iam_name_problem(name: str, *, noun: str, max_length: int) -> str | None:
    """What is wrong with an IAM role or policy name, or None."""
    if not name:
        return f"is empty; {noun} needs 1 to {max_length} characters"
    if len(name) > max_length:
        return f"has {len(name)} characters; {noun} may have at most {max_length}"
    bad = _first_bad_char(name, _IAM_NAME_CHAR)
    if bad is not None:
        return f"contains {_describe(bad)}; {noun} may contain only {_IAM_NAME_CHARS_TEXT}"
    return None


def _path_and_name_problem(
    path_and_name: str, *, noun: str, max_length: int, name_subject: str
) -> str | None:
    """What is wrong with `path/segments/Name` (no leading slash), or None."""
    *segments, name = path_and_name.split("/")
    for segment in segments:
        if not segment:
            return "has an empty segment in its path ('//'); separate segments with one slash"
        bad = _first_bad_char(segment, _IAM_NAME_CHAR)
        if bad is not None:
            return (
                f"has {_describe(bad)} in its path; path segments may contain only "
                f"{_IAM_NAME_CHARS_TEXT}"
            )
    problem = _iam_name_problem(name, noun=noun, max_length=max_length)
    if problem is not None and name_subject:
        return f"{name_subject} {problem}"
    return problem


def validate_role_name(value: str) -> None:
    """Check an IAM role name: 1 to 64 of letters, digits and + = , . @ _ -."""
    problem = _iam_name_problem(value, noun="an IAM role name", max_length=_MAX_ROLE_NAME_LENGTH)
    if problem is not None:
        raise ValidationError(problem, code="invalid_role_name")


def _split_iam_arn(value: str, *, expected: str, what: str) -> tuple[str, str]:
    """Check the `arn:<partition>:iam::` frame of an IAM ARN; return (account, resource)."""
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ValidationError(f"is not an ARN; expected {expected}", code=f"not_{what}_arn")
    _, partition, service, region, account, resource = parts
    if partition not in _PARTITIONS:
        raise ValidationError(
            f"has the unknown partition '{partition}'; expected one of {', '.join(_PARTITIONS)}",
            code="unknown_partition",
        )
    if service == "sts" and resource.startswith("assumed-role/"):
        raise ValidationError(
            f"is the ARN of an assumed-role session, not {_article(what)} {what} ARN; "
            f"expected {expected}",
            code=f"not_{what}_arn",
        )
    if service != "iam":
        raise ValidationError(
            f"is an ARN of the '{service}' service, not an IAM {what} ARN; expected {expected}",
            code=f"not_{what}_arn",
        )
    if region:
        raise ValidationError(
            f"names the region '{region}', but IAM ARNs have none; expected {expected}",
            code=f"not_{what}_arn",
        )
    return account, resource


def validate_role_arn(value: str) -> None:
    """Check an IAM role ARN: arn:<partition>:iam::<12 digits>:role/<optional path/>NAME."""
    expected = "arn:aws:iam::<12-digit account id>:role/NAME (a path before NAME is allowed)"
    account, resource = _split_iam_arn(value, expected=expected, what="role")
    kind, slash, path_and_name = resource.partition("/")
    if kind == "user" and slash:
        raise ValidationError(
            "is an IAM user ARN, not a role ARN (arn:aws:iam::<12-digit account id>:role/NAME)",
            code="user_arn",
        )
    if kind != "role" or not slash:
        what = f"an IAM {kind} ARN, not a role ARN" if slash and kind else "not an IAM role ARN"
        raise ValidationError(f"is {what}; expected {expected}", code="not_role_arn")
    if not _TWELVE_DIGITS.fullmatch(account):
        raise ValidationError(
            f"has the account id '{account}'; it must be 12 digits, as in {expected}",
            code="invalid_account_id",
        )
    problem = _path_and_name_problem(
        path_and_name,
        noun="an IAM role name",
        max_length=_MAX_ROLE_NAME_LENGTH,
        name_subject="its role name",
    )
    if problem is not None:
        raise ValidationError(problem, code="invalid_role_name")


def validate_policy_arn(value: str) -> None:
    """Check an IAM policy ARN: arn:<partition>:iam::(aws|<12 digits>):policy/<path/>NAME."""
    expected = (
        "arn:aws:iam::aws:policy/NAME (an AWS managed policy) or "
        "arn:aws:iam::<12-digit account id>:policy/NAME"
    )
    account, resource = _split_iam_arn(value, expected=expected, what="policy")
    kind, slash, path_and_name = resource.partition("/")
    if kind != "policy" or not slash:
        what = f"an IAM {kind} ARN, not a policy ARN" if slash and kind else "not an IAM policy ARN"
        raise ValidationError(f"is {what}; expected {expected}", code="not_policy_arn")
    if account != "aws" and not _TWELVE_DIGITS.fullmatch(account):
        raise ValidationError(
            f"has the account id '{account}'; it must be 'aws' or 12 digits, as in {expected}",
            code="invalid_account_id",
        )
    problem = _path_and_name_problem(
        path_and_name,
        noun="an IAM policy name",
        max_length=_MAX_POLICY_NAME_LENGTH,
        name_subject="its policy name",
    )
    if problem is not None:
        raise ValidationError(problem, code="invalid_policy_name")


def validate_access_role_name(value: str) -> None:
    """Check accountAccessRole: a bare IAM role name, as CreateAccount's RoleName takes it."""
    if value.startswith("arn:"):
        raise ValidationError(
            "give the role name, not its ARN (for example OrganizationAccountAccessRole)",
            code="arn_given",
        )
    # CreateAccount's RoleName is [\w+=,.@-]{1,64}: no path, and the access step assumes
    # role/<accountAccessRole>, which a leading slash would turn into role//path/Name.
    if "/" in value:
        raise ValidationError(
            "has a path; give a role name without a path ([\\w+=,.@-], 1 to 64 characters), "
            "as CreateAccount's RoleName requires (for example OrganizationAccountAccessRole)",
            code="role_path",
        )
    problem = _iam_name_problem(value, noun="an IAM role name", max_length=_MAX_ROLE_NAME_LENGTH)
    if problem is not None:
        raise ValidationError(problem, code="invalid_role_name")


def validate_external_id(value: str) -> None:
    """Check an STS external id: 2 to 1224 of letters, digits and + = , . @ : / _ -."""
    # The value is a shared secret: no message may quote it, or any character of it.
    if len(value) < 2:
        raise ValidationError(
            "is too short; an external id needs at least 2 characters", code="too_short"
        )
    if len(value) > 1224:
        raise ValidationError(
            "is too long; an external id may have at most 1224 characters", code="too_long"
        )
    if not _EXTERNAL_ID.fullmatch(value):
        raise ValidationError(
            "contains a character STS does not accept; an external id may contain only "
            "letters, digits and + = , . @ : / _ -",
            code="invalid_character",
        )


def validate_target_ou(value: str) -> None:
    """Check an organizational unit id (ou-xxxx-xxxxxxxx) or an organization root id (r-xxxx)."""
    if not _TARGET_OU.fullmatch(value):
        raise ValidationError(
            "is not an organizational unit id (ou-, 4 to 32 lowercase letters or digits, a "
            "hyphen, 8 to 32 more, e.g. ou-ab12-cd34ef56) or a root id (r-, 4 to 32 lowercase "
            "letters or digits, e.g. r-ab12)",
            code="invalid_target_ou",
        )


def validate_stack_set_name(value: str) -> None:
    """Check a CloudFormation StackSet name: a letter, then up to 127 letters, digits, hyphens."""
    if not _STACK_SET_NAME.fullmatch(value):
        raise ValidationError(
            "is not a StackSet name; it must start with a letter and continue with up to 127 "
            "letters, digits and hyphens",
            code="invalid_stack_set_name",
        )


def _tag_key_problem(value: str, *, noun: str, max_length: int) -> str | None:
    if len(value) > max_length:
        return f"has {len(value)} characters; {noun} may have at most {max_length}"
    bad = _first_bad_char(value, _TAG_CHAR)
    if bad is not None:
        return f"contains {_describe(bad)}; {noun} may contain only {_TAG_CHARS_TEXT}"
    if value[:4].lower() == "aws:":
        return "starts with 'aws:', which AWS reserves for its own tags"
    return None


def validate_tag_prefix(value: str) -> None:
    """Check a tag prefix: empty, or up to 64 tag-key characters not starting with 'aws:'."""
    problem = _tag_key_problem(value, noun="a tag prefix", max_length=64)
    if problem is not None:
        raise ValidationError(problem, code="invalid_tag_prefix")


def validate_tag_key_name(value: str) -> None:
    """Check a tag key: 1 to 128 tag-key characters, not starting with 'aws:'."""
    if not value:
        raise ValidationError("must not be empty", code="required")
    problem = _tag_key_problem(value, noun="a tag key", max_length=128)
    if problem is not None:
        raise ValidationError(problem, code="invalid_tag_key")


def validate_saml_provider_name(value: str) -> None:
    """Check an IAM SAML provider name: 1 to 128 of letters, digits and . _ -."""
    if not value:
        raise ValidationError("must not be empty", code="required")
    if len(value) > 128:
        raise ValidationError(
            f"has {len(value)} characters; a SAML provider name may have at most 128",
            code="too_long",
        )
    bad = _first_bad_char(value, _SAML_PROVIDER_CHAR)
    if bad is not None:
        raise ValidationError(
            f"contains {_describe(bad)}; a SAML provider name may contain only letters, digits "
            "and . _ -",
            code="invalid_character",
        )


# A project's tags become account tags under the platform's tagPrefix (illegal characters
# replaced, long ones truncated, at replication); AWS allows 50 per account, and meshaws
# keeps room for tags of its own.
MAX_PROJECT_TAGS = 40


def validate_project_tags(tags: object) -> None:
    """Check a project's tags: at most 40 text keys (1-128) with text values (at most 256)."""
    if not isinstance(tags, dict):
        raise ValidationError("must be an object of key: value texts", code="invalid_tags")
    if len(tags) > MAX_PROJECT_TAGS:
        raise ValidationError(
            f"has {len(tags)} tags; a project may have at most {MAX_PROJECT_TAGS}",
            code="too_many_tags",
        )
    for key, value in tags.items():
        if not isinstance(key, str) or not key.strip():
            raise ValidationError("has an empty tag key", code="invalid_tag_key")
        if len(key) > 128:
            raise ValidationError(
                f"tag key {key[:20]!r}… has {len(key)} characters; at most 128", code="too_long"
            )
        if not isinstance(value, str):
            raise ValidationError(f"tag {key!r} must have a text value", code="invalid_tag")
        if len(value) > 256:
            raise ValidationError(
                f"tag {key!r} has a value of {len(value)} characters; at most 256",
                code="too_long",
            )


def validate_aws_account_id(value: str) -> None:
    """Check an AWS account id: exactly 12 digits."""
    if not _TWELVE_DIGITS.fullmatch(value or ""):
        raise ValidationError("must be an AWS account id of exactly 12 digits", code="invalid")
