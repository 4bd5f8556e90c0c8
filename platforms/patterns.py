"""AWS naming rules and placeholder rendering: the one place in meshaws that knows them.

Forms, file import, the API and the replication engine validate configuration values and render
account e-mail addresses, aliases and names through this module, so a pattern accepted anywhere
renders a name AWS accepts everywhere. Validators raise ValidationError with a short message
that says what is wrong and what is allowed; the caller adds the field name.

Two placeholder syntaxes work. The integration page's: one `%s` in the e-mail template
(replaced by `<customer>.<project>`), `<customer>` and `<project>` in the alias pattern (where
`%s` also works positionally: customer, then project). The later one, in both:
`#{workspaceIdentifier}` (alias `#{customerIdentifier}`), `#{projectIdentifier}`,
`#{platform}` and `#{tenantPlatformNumber}`, each with an optional printf format after a colon,
as in `#{projectIdentifier:%.7s}` or `#{tenantPlatformNumber:%03d}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as defused_element_tree
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from accounts.replication.aws import known_regions

DEFAULT_CUSTOMER_IDENTIFIER_LENGTH = 16
DEFAULT_PROJECT_IDENTIFIER_LENGTH = 30
MAX_CUSTOMER_IDENTIFIER_LENGTH = 16
MAX_PROJECT_IDENTIFIER_LENGTH = 30
MAX_TENANT_PLATFORM_NUMBER = 999_999

_MIN_EMAIL_LENGTH = 6
_MAX_EMAIL_LENGTH = 64
_MIN_ALIAS_LENGTH = 3
_MAX_ALIAS_LENGTH = 63
_MAX_PLATFORM_IDENTIFIER_LENGTH = 63
_MAX_ROLE_NAME_LENGTH = 64
_MAX_POLICY_NAME_LENGTH = 128
_MAX_ROLE_PATH_AND_NAME_LENGTH = 512

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
_IDENTIFIER_CHAR = re.compile(r"[a-z0-9-]")
_TWELVE_DIGITS = re.compile(r"[0-9]{12}")
_TARGET_OU = re.compile(r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32}")
_STACK_SET_NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]{0,127}")
_ACCOUNT_ALIAS = re.compile(r"[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]")
_ALIAS_LITERAL_CHAR = re.compile(r"[A-Za-z0-9._-]")

# No "localhost" exception: AWS wants a domain with a dot in it.
_EMAIL_SYNTAX = EmailValidator(allowlist=[])


@dataclass(frozen=True)
class NameContext:
    """What a pattern's placeholders are replaced with, for one project account."""

    customer: str
    project: str
    platform: str = ""
    tenant_platform_number: int = 1


def _describe(char: str) -> str:
    names = {" ": "a space", "\t": "a tab", "\n": "a line break", "\r": "a line break"}
    if char in names:
        return names[char]
    if not char.isprintable():
        return f"the character U+{ord(char):04X}"
    return f"'{char}'"


def _first_bad_char(value: str, allowed: re.Pattern[str]) -> str | None:
    return next((char for char in value if not allowed.fullmatch(char)), None)


def _characters(count: int) -> str:
    return "1 character" if count == 1 else f"{count} characters"


def _article(noun: str) -> str:
    return "an" if noun[:1] in tuple("aeiou") else "a"


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
    """Check accountAccessRole: a role name with an optional path, such as /path/Name."""
    if value.startswith("arn:"):
        raise ValidationError(
            "give the role name, not its ARN (for example OrganizationAccountAccessRole)",
            code="arn_given",
        )
    if len(value) > _MAX_ROLE_PATH_AND_NAME_LENGTH:
        raise ValidationError(
            f"has {len(value)} characters; a role name with its path may have at most "
            f"{_MAX_ROLE_PATH_AND_NAME_LENGTH}",
            code="too_long",
        )
    path_and_name = value[1:] if value.startswith("/") else value
    problem = _path_and_name_problem(
        path_and_name,
        noun="an IAM role name",
        max_length=_MAX_ROLE_NAME_LENGTH,
        name_subject="the name after the last '/'" if "/" in path_and_name else "",
    )
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


def render_account_name(context: NameContext) -> str:
    """The account name: `<customer>.<project>`."""
    return f"{context.customer}.{context.project}"


# --- patterns --------------------------------------------------------------------------------

_CUSTOMER = "customer"
_PROJECT = "project"
_PLATFORM = "platform"
_NUMBER = "tenantPlatformNumber"
_ACCOUNT_NAME = "customer.project"  # the e-mail template's %s

_HASH_NAMES = {
    "workspaceIdentifier": _CUSTOMER,
    "customerIdentifier": _CUSTOMER,
    "projectIdentifier": _PROJECT,
    "platform": _PLATFORM,
    "tenantPlatformNumber": _NUMBER,
}
_ANGLE_NAMES = {"customer": _CUSTOMER, "project": _PROJECT}
_HASH_NAMES_TEXT = (
    "#{customerIdentifier} (or #{workspaceIdentifier}), #{projectIdentifier}, #{platform} "
    "or #{tenantPlatformNumber}"
)
_TOKEN = re.compile(
    r"#\{(?P<hash>[^}]*)\}|(?P<unclosed>#\{)|(?P<percent>%s)|<(?P<angle>[A-Za-z]+)>"
)
_FORMAT = re.compile(
    r"%(?P<flag>[-0]?)(?P<width>\d{0,3})(?:\.(?P<precision>\d{1,3}))?(?P<conv>[sd])",
    re.ASCII,  # printf takes ASCII digits only; Unicode ones would reach `%` and crash it
)


@dataclass(frozen=True)
class _Placeholder:
    source: str  # as written in the pattern, for messages
    value: str  # which part of the NameContext it renders
    fmt: str
    precision: int | None = None

    def render(self, context: NameContext) -> str:
        values: dict[str, str | int] = {
            _CUSTOMER: context.customer,
            _PROJECT: context.project,
            _PLATFORM: context.platform,
            _NUMBER: context.tenant_platform_number,
            _ACCOUNT_NAME: render_account_name(context),
        }
        return self.fmt % values[self.value]

    def is_complete(self, max_length: int) -> bool:
        """Whether it renders the whole value, i.e. keeps the accounts apart."""
        return self.precision is None or self.precision >= max_length


_Part = str | _Placeholder


def _parse_format(source: str, value: str, spec: str) -> _Placeholder:
    match = _FORMAT.fullmatch(spec)
    if match is None:
        raise ValidationError(
            f"{source} has the format '{spec}', which is not one of %s, %.Ns (keep the first N "
            "characters) or, for #{tenantPlatformNumber}, %d or %0Nd (zero-pad to N digits)",
            code="bad_format",
        )
    flag, width, precision, conversion = match.group("flag", "width", "precision", "conv")
    # Every rejected combination would pad with spaces or render nothing, and neither an
    # address nor an alias can hold that; Java's Formatter (the original's) refuses most too.
    if value == _NUMBER:
        if conversion != "d":
            raise ValidationError(
                f"{source}: #{{tenantPlatformNumber}} takes a d format, such as %d or %03d",
                code="bad_format",
            )
        if precision is not None:
            raise ValidationError(
                f"{source}: numbers take no precision; pad with zeros instead, as in %03d",
                code="bad_format",
            )
        if flag == "-" or (width and int(width) > 1 and flag != "0"):
            raise ValidationError(
                f"{source}: that width pads with spaces, which names cannot contain; pad with "
                "zeros instead, as in %03d",
                code="bad_format",
            )
        return _Placeholder(source, value, spec)
    if conversion != "s":
        raise ValidationError(
            f"{source}: text placeholders take an s format, such as %s or %.7s",
            code="bad_format",
        )
    if flag == "0":
        raise ValidationError(
            f"{source}: the 0 flag pads numbers only; use %s or %.7s", code="bad_format"
        )
    if flag == "-" or (width and int(width) > 1):
        raise ValidationError(
            f"{source}: a width pads with spaces, which names cannot contain; use %.Ns to keep "
            "the first N characters",
            code="bad_format",
        )
    if precision is not None and int(precision) == 0:
        raise ValidationError(
            f"{source}: a precision of 0 leaves nothing of the value", code="bad_format"
        )
    return _Placeholder(source, value, spec, int(precision) if precision is not None else None)


def _parse(pattern: str, *, alias: bool) -> list[_Part]:
    """Split a pattern into literal text and placeholders; raise on unknown or malformed ones."""
    parts: list[_Part] = []
    position = 0
    positional = 0
    for match in _TOKEN.finditer(pattern):
        if match.start() > position:
            parts.append(pattern[position : match.start()])
        position = match.end()
        source = match.group(0)
        if match["hash"] is not None:
            name, colon, spec = match["hash"].partition(":")
            value = _HASH_NAMES.get(name)
            if value is None:
                raise ValidationError(
                    f"has the unknown placeholder {source}; use {_HASH_NAMES_TEXT}",
                    code="unknown_placeholder",
                )
            if colon:
                parts.append(_parse_format(source, value, spec))
            else:
                parts.append(_Placeholder(source, value, "%d" if value == _NUMBER else "%s"))
        elif match["unclosed"] is not None:
            raise ValidationError(
                f"has '#{{' at position {match.start() + 1} without a closing '}}'; write "
                "placeholders as #{projectIdentifier}",
                code="malformed_placeholder",
            )
        elif match["percent"] is not None:
            positional += 1
            if not alias:
                parts.append(_Placeholder(source, _ACCOUNT_NAME, "%s"))
            else:
                parts.append(_Placeholder(source, _CUSTOMER if positional == 1 else _PROJECT, "%s"))
        else:
            name = match["angle"]
            if name not in _ANGLE_NAMES:
                known = "<customer> or <project>" if alias else "%s"
                raise ValidationError(
                    f"has the unknown placeholder {source}; use {known} or {_HASH_NAMES_TEXT}",
                    code="unknown_placeholder",
                )
            if not alias:
                raise ValidationError(
                    f"uses {source}, which works in alias patterns only; in e-mail templates use "
                    "%s (replaced by <customer>.<project>) or #{customerIdentifier} and "
                    "#{projectIdentifier}",
                    code="unknown_placeholder",
                )
            parts.append(_Placeholder(source, _ANGLE_NAMES[name], "%s"))
    if position < len(pattern):
        parts.append(pattern[position:])
    if alias and positional > 2:
        raise ValidationError(
            f"has {positional} %s; an alias pattern takes at most two (the first is replaced by "
            "the customer, the second by the project)",
            code="placeholder_count",
        )
    return parts


def _render(parts: list[_Part], context: NameContext) -> str:
    return "".join(part if isinstance(part, str) else part.render(context) for part in parts)


def _placeholders(parts: list[_Part]) -> list[_Placeholder]:
    return [part for part in parts if isinstance(part, _Placeholder)]


def _keeps_accounts_apart(parts: list[_Part], customer_length: int, project_length: int) -> bool:
    """Whether the placeholders include the whole customer and project, or the tenant number."""
    found = _placeholders(parts)
    return any(part.value in (_NUMBER, _ACCOUNT_NAME) for part in found) or (
        any(part.value == _CUSTOMER and part.is_complete(customer_length) for part in found)
        and any(part.value == _PROJECT and part.is_complete(project_length) for part in found)
    )


def _check_lengths(customer_length: int, project_length: int) -> None:
    if customer_length < 1 or project_length < 1:
        raise ValueError("identifier length limits must be at least 1")


# The renderings that bound every other one: the values of each placeholder at their longest,
# at their shortest, and made of digits only (see validate_alias_pattern).
def _longest(
    customer_length: int, project_length: int, platform: str, fill: str = "a"
) -> NameContext:
    return NameContext(
        customer=fill * customer_length,
        project=fill * project_length,
        platform=platform or "a" * _MAX_PLATFORM_IDENTIFIER_LENGTH,
        tenant_platform_number=MAX_TENANT_PLATFORM_NUMBER,
    )


def _shortest(platform: str, fill: str = "a") -> NameContext:
    return NameContext(
        customer=fill, project=fill, platform=platform or "a", tenant_platform_number=1
    )


def _typical(customer_length: int, project_length: int, platform: str) -> NameContext:
    return NameContext(
        customer="acme"[:customer_length],
        project="web"[:project_length],
        platform=platform or "aws",
        tenant_platform_number=1,
    )


def _limits_text(
    parts: list[_Part], customer_length: int, project_length: int, platform: str
) -> str:
    values = {part.value for part in _placeholders(parts)}
    limits = [
        f"customer identifiers up to {customer_length}",
        f"project identifiers up to {project_length}",
    ]
    if _NUMBER in values:
        limits.append(f"tenant platform numbers up to {MAX_TENANT_PLATFORM_NUMBER}")
    if _PLATFORM in values and not platform:
        limits.append(f"platform identifiers up to {_MAX_PLATFORM_IDENTIFIER_LENGTH}")
    return ", ".join(limits)


def render_account_email(template: str, context: NameContext) -> str:
    """The e-mail address a template gives one project account."""
    return _render(_parse(template, alias=False), context)


def render_account_alias(pattern: str, context: NameContext) -> str:
    """The alias a pattern gives one project account, sanitised into AWS's alphabet."""
    return sanitize_alias(_render(_parse(pattern, alias=True), context))


def email_worst_case(
    template: str, *, customer_length: int, project_length: int, platform: str = ""
) -> str:
    """The longest address a template can render, with every placeholder at its longest."""
    _check_lengths(customer_length, project_length)
    parts = _parse(template, alias=False)
    return _render(parts, _longest(customer_length, project_length, platform))


def alias_worst_case(
    pattern: str, *, customer_length: int, project_length: int, platform: str = ""
) -> str:
    """The longest alias a pattern can render (after sanitising)."""
    _check_lengths(customer_length, project_length)
    parts = _parse(pattern, alias=True)
    return sanitize_alias(_render(parts, _longest(customer_length, project_length, platform)))


def validate_email_template(
    template: str, *, customer_length: int, project_length: int, platform: str = ""
) -> str:
    """Check that a template renders a valid, distinct address per account; return the longest."""
    _check_lengths(customer_length, project_length)
    parts = _parse(template, alias=False)
    found = _placeholders(parts)

    percents = sum(part.value == _ACCOUNT_NAME for part in found)
    if percents > 1:
        raise ValidationError(
            f"has {percents} %s; it needs exactly one (replaced by <customer>.<project>)",
            code="placeholder_count",
        )
    if not _keeps_accounts_apart(parts, customer_length, project_length):
        raise ValidationError(
            "needs exactly one %s (replaced by <customer>.<project>), or both "
            "#{customerIdentifier} and #{projectIdentifier} (not truncated), or "
            "#{tenantPlatformNumber}; otherwise several accounts would get the same address",
            code="placeholder_count",
        )

    at_signs = sum(part.count("@") for part in parts if isinstance(part, str))
    if at_signs != 1:
        raise ValidationError(
            f"has {at_signs} @ signs; an address template needs exactly one", code="at_count"
        )
    at_index = next(i for i, part in enumerate(parts) if isinstance(part, str) and "@" in part)
    # A placeholder in the domain would need a mail domain per account; it is always a mistake.
    misplaced = next(iter(_placeholders(parts[at_index:])), None)
    if misplaced is not None:
        raise ValidationError(
            f"has {misplaced.source} after the @; placeholders belong before the @, the domain "
            "must stay the same for every account",
            code="placeholder_in_domain",
        )
    for part in parts:
        if isinstance(part, str) and not part.isascii():
            bad = next(char for char in part if not char.isascii())
            raise ValidationError(
                f"contains {_describe(bad)}; AWS accepts only 7-bit ASCII addresses",
                code="not_ascii",
            )

    worst = _render(parts, _longest(customer_length, project_length, platform))
    if len(worst) > _MAX_EMAIL_LENGTH:
        raise ValidationError(
            f"the longest address it can produce has {len(worst)} characters "
            f"({_limits_text(parts, customer_length, project_length, platform)}); "
            f"AWS allows {_MAX_EMAIL_LENGTH}",
            code="too_long",
        )
    # Placeholders render non-empty runs of [a-z0-9.-] before the @, so the longest, shortest
    # and a typical rendering decide the validity of every other one.
    for context in (
        _longest(customer_length, project_length, platform),
        _shortest(platform),
        _typical(customer_length, project_length, platform),
    ):
        address = _render(parts, context)
        try:
            validate_account_email(address)
        except ValidationError as error:
            raise ValidationError(
                f"renders '{address}', which AWS rejects: it {error.messages[0]}",
                code="invalid_rendering",
            ) from None
    return worst


def validate_alias_pattern(
    pattern: str, *, customer_length: int, project_length: int, platform: str = ""
) -> list[str]:
    """Check that a pattern renders a valid, distinct alias for every account; return warnings."""
    _check_lengths(customer_length, project_length)
    parts = _parse(pattern, alias=True)

    bad_chars: list[str] = []
    for part in parts:
        if isinstance(part, str):
            for char in part:
                if not _ALIAS_LITERAL_CHAR.fullmatch(char) and char not in bad_chars:
                    bad_chars.append(char)
    if bad_chars:
        raise ValidationError(
            [
                ValidationError(
                    f"contains {_describe(char)}, which can render an invalid alias even after "
                    "sanitising; use letters, digits, '.', '_' and '-'",
                    code="invalid_character",
                )
                for char in bad_chars
            ]
        )

    errors: list[ValidationError] = []
    if not _keeps_accounts_apart(parts, customer_length, project_length):
        errors.append(
            ValidationError(
                "would give several accounts the same alias; include <customer> and <project> "
                "(not truncated), or #{tenantPlatformNumber}",
                code="not_unique",
            )
        )

    # After sanitising only three things can go wrong: too long, too short, all digits. Each
    # placeholder renders at least one letter or digit, so the longest values give the longest
    # alias, one-character values the shortest, and digit-only values the only all-digit ones.
    longest = sanitize_alias(_render(parts, _longest(customer_length, project_length, platform)))
    if len(longest) > _MAX_ALIAS_LENGTH:
        errors.append(
            ValidationError(
                f"the longest alias it can produce has {len(longest)} characters "
                f"({_limits_text(parts, customer_length, project_length, platform)}); "
                f"AWS allows {_MAX_ALIAS_LENGTH}",
                code="too_long",
            )
        )
    shortest = sanitize_alias(_render(parts, _shortest(platform)))
    if len(shortest) < _MIN_ALIAS_LENGTH:
        errors.append(
            ValidationError(
                f"with one-character identifiers it renders '{shortest}' "
                f"({_characters(len(shortest))}); AWS needs at least {_MIN_ALIAS_LENGTH}",
                code="too_short",
            )
        )
    for context in (
        _shortest(platform, fill="1"),
        _longest(customer_length, project_length, platform, fill="1"),
    ):
        digits = sanitize_alias(_render(parts, context))
        if digits.isdigit():
            errors.append(
                ValidationError(
                    f"with digit-only values (identifiers '{context.customer}' and "
                    f"'{context.project}', tenant platform number "
                    f"{context.tenant_platform_number}) it renders '{digits}'; AWS rejects an "
                    "alias made of digits only",
                    code="digits",
                )
            )
            break
    if not errors:
        # A last guard, in case the reasoning above ever misses a rule of validate_account_alias.
        for context in (
            _longest(customer_length, project_length, platform),
            _shortest(platform),
            _typical(customer_length, project_length, platform),
        ):
            alias = sanitize_alias(_render(parts, context))
            try:
                validate_account_alias(alias)
            except ValidationError as error:
                errors.append(
                    ValidationError(
                        f"renders '{alias}', which AWS rejects: it {error.messages[0]}",
                        code="invalid_rendering",
                    )
                )
                break
    if errors:
        raise ValidationError(errors)

    typical = _render(parts, _typical(customer_length, project_length, platform))
    return _sanitising_warnings(typical)


def _sanitising_warnings(rendered: str) -> list[str]:
    clean = sanitize_alias(rendered)
    if clean == rendered:
        return []
    reasons = []
    if rendered != rendered.lower():
        reasons.append("uppercase letters become lowercase")
    if "." in rendered:
        reasons.append("dots become hyphens")
    if "_" in rendered:
        reasons.append("underscores become hyphens")
    hyphens = rendered.lower().replace(".", "-").replace("_", "-")
    if "--" in hyphens:
        reasons.append("repeated hyphens become one")
    if hyphens.startswith("-") or hyphens.endswith("-"):
        reasons.append("hyphens at the start and end are dropped")
    return [f"sanitising changes the alias: '{rendered}' becomes '{clean}' ({', '.join(reasons)})"]


# --- documents: CloudFormation templates and SAML metadata ---------------------------------

# AWS's limits: a template body in a request, and SAMLMetadataDocument (1,000-10,000,000).
MAX_TEMPLATE_BODY = 51_200
MIN_SAML_METADATA, MAX_SAML_METADATA = 1_000, 10_000_000


class _CloudFormationLoader(yaml.SafeLoader):
    """YAML loader that accepts CloudFormation's short-form tags (!Ref, !Sub, !GetAtt …)."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node, deep=True)}
    return {suffix: loader.construct_mapping(node, deep=True)}


_CloudFormationLoader.add_multi_constructor("!", _any_tag)


def validate_cloudformation_template(template: str) -> None:
    """A CloudFormation template in YAML or JSON with a non-empty `Resources` mapping."""
    if len(template.encode()) > MAX_TEMPLATE_BODY:
        raise ValidationError(
            f"is {len(template.encode())} bytes; CloudFormation accepts at most "
            f"{MAX_TEMPLATE_BODY} in a request",
            code="template_too_long",
        )
    try:
        document = yaml.load(template, Loader=_CloudFormationLoader)  # noqa: S506 - safe subclass
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        at = f" (line {where.line + 1}, column {where.column + 1})" if where else ""
        raise ValidationError(
            f"is not valid YAML or JSON{at}: {getattr(error, 'problem', None) or error}",
            code="template_syntax",
        ) from None
    if not isinstance(document, dict):
        raise ValidationError("must be a CloudFormation template (a mapping)", code="template")
    resources = document.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise ValidationError(
            "has no Resources: a CloudFormation template needs at least one resource",
            code="template_resources",
        )
    for name, resource in resources.items():
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise ValidationError(
                f"resource {name!r} has no Type (e.g. AWS::IAM::Role)", code="template_resource"
            )


def validate_saml_metadata(document: str) -> None:
    """SAML 2.0 metadata: well-formed XML whose root is an EntityDescriptor, AWS's size range."""
    if not MIN_SAML_METADATA <= len(document) <= MAX_SAML_METADATA:
        raise ValidationError(
            f"has {len(document)} characters; AWS accepts SAML metadata of "
            f"{MIN_SAML_METADATA} to {MAX_SAML_METADATA}",
            code="saml_metadata_length",
        )
    try:
        root = defused_element_tree.fromstring(document)
    except (defused_element_tree.ParseError, DefusedXmlException) as error:
        raise ValidationError(
            f"is not well-formed XML: {error}", code="saml_metadata_syntax"
        ) from None
    if not root.tag.endswith("EntityDescriptor"):
        raise ValidationError(
            "must be SAML metadata: its root element is not an EntityDescriptor",
            code="saml_metadata_root",
        )
