"""Both placeholder syntaxes: what they are replaced with (NameContext), and parsing them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class NameContext:
    """What a pattern's placeholders are replaced with, for one project account."""

    customer: str
    project: str
    platform: str = ""
    tenant_platform_number: int = 1
    project_role: str = ""  # group names only (#{projectRoleIdentifier})


def render_account_name(context: NameContext) -> str:
    """The account name: `<customer>.<project>`."""
    return f"{context.customer}.{context.project}"


# --- patterns --------------------------------------------------------------------------------

_CUSTOMER = "customer"
_PROJECT = "project"
_PLATFORM = "platform"
_NUMBER = "tenantPlatformNumber"
_PROJECT_ROLE = "projectRole"
_ACCOUNT_NAME = "customer.project"  # the e-mail template's %s

_HASH_NAMES = {
    "workspaceIdentifier": _CUSTOMER,
    "customerIdentifier": _CUSTOMER,
    "projectIdentifier": _PROJECT,
    "platform": _PLATFORM,
    "tenantPlatformNumber": _NUMBER,
}
_GROUP_HASH_NAMES = {**_HASH_NAMES, "projectRoleIdentifier": _PROJECT_ROLE}
_ANGLE_NAMES = {"customer": _CUSTOMER, "project": _PROJECT}
_HASH_NAMES_TEXT = (
    "#{customerIdentifier} (or #{workspaceIdentifier}), #{projectIdentifier}, #{platform} "
    "or #{tenantPlatformNumber}"
)
_GROUP_HASH_NAMES_TEXT = (
    "#{customerIdentifier} (or #{workspaceIdentifier}), #{projectIdentifier}, "
    "#{projectRoleIdentifier}, #{platform} or #{tenantPlatformNumber}"
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
            _PROJECT_ROLE: context.project_role,
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


def _parse(pattern: str, *, alias: bool, group: bool = False) -> list[_Part]:
    """Split a pattern into literal text and placeholders; raise on unknown or malformed ones.

    `alias`: names' syntax (`%s` positional, `<customer>`); `group` adds #{projectRoleIdentifier}.
    """
    hash_names = _GROUP_HASH_NAMES if group else _HASH_NAMES
    hash_names_text = _GROUP_HASH_NAMES_TEXT if group else _HASH_NAMES_TEXT
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
            value = hash_names.get(name)
            if value is None:
                raise ValidationError(
                    f"has the unknown placeholder {source}; use {hash_names_text}",
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
                    f"has the unknown placeholder {source}; use {known} or {hash_names_text}",
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
