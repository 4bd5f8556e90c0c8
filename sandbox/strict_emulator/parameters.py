"""Request parameters against the service model's `pattern`, `min` and `max`, as AWS checks them.

The models' patterns are Java regular expressions, which AWS matches against the whole value.
In Java `\\w`, `\\d` and `\\s` are ASCII-only: they are spelled out as ASCII sets here. `\\p{L}`
and its kin need the `regex` module. A character class holding a negated shorthand (`\\S`,
`\\W`, `\\D`) keeps Python's Unicode meaning (among these services only `[\\s\\S]`: any character
either way). A pattern that still does not compile is skipped and listed by `skipped_patterns()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import regex
from moto.cloudformation.exceptions import CloudFormationError
from moto.core.exceptions import JsonRESTError
from moto.iam.exceptions import IAMException
from moto.organizations.exceptions import InvalidInputException
from moto.sts.exceptions import STSClientError

_ASCII_SHORTHANDS = {"w": "a-zA-Z0-9_", "d": "0-9", "s": " \\t\\n\\x0B\\f\\r"}
# The query services answer ValidationError; moto finds an error's shape by its class's module.
_QUERY_ERRORS = {"iam": IAMException, "sts": STSClientError, "cloudformation": CloudFormationError}
# Identity Center's JSON services answer ValidationException.
_JSON_SERVICES = frozenset({"identitystore", "sso-admin"})
_skipped: set[str] = set()


def _holds_negated_shorthand(pattern: str, start: int) -> bool:
    """Whether the character class opening before `start` holds `\\W`, `\\D` or `\\S`."""
    index = start
    while index < len(pattern) and pattern[index] != "]":
        if pattern[index] == "\\":
            if pattern[index + 1 : index + 2] in ("W", "D", "S"):
                return True
            index += 1
        index += 1
    return False


def python_pattern(pattern: str) -> str:
    """A model's Java pattern for the `regex` module, Java's ASCII shorthands spelled out."""
    pieces: list[str] = []
    in_class = keep_class = False
    index = 0
    while index < len(pattern):
        piece = pattern[index : index + 2] if pattern[index] == "\\" else pattern[index]
        index += len(piece)
        if piece == "[" and not in_class:
            in_class, keep_class = True, _holds_negated_shorthand(pattern, index)
        elif piece == "]" and in_class:
            in_class = keep_class = False
        elif len(piece) == 2 and piece[1].lower() in _ASCII_SHORTHANDS and not keep_class:
            members = _ASCII_SHORTHANDS[piece[1].lower()]
            if in_class:
                piece = members
            else:
                piece = f"[{'^' if piece[1].isupper() else ''}{members}]"
        pieces.append(piece)
    return "".join(pieces)


@cache
def compiled(pattern: str) -> regex.Pattern | None:
    """A model's pattern, compiled; None (and remembered as skipped) when it cannot be."""
    try:
        return regex.compile(python_pattern(pattern))
    except regex.error:
        _skipped.add(pattern)
        return None


def skipped_patterns() -> frozenset[str]:
    """The model patterns met so far that could not be compiled, and so were not enforced."""
    return frozenset(_skipped)


@dataclass(frozen=True)
class Violation:
    """One parameter that breaks its shape's constraint, in AWS's words and with its reason."""

    path: str
    constraint: str
    reason: str

    def sentence(self) -> str:
        """The violation as AWS words it."""
        return f"Value at '{self.path}' failed to satisfy constraint: {self.constraint}"


def _member_path(path: str, name: str) -> str:
    """A member's path as AWS names it in messages: `tags.1.member.key`."""
    name = name[:1].lower() + name[1:]
    return f"{path}.{name}" if path else name


def _range_violations(size: int, limits: dict, path: str, of_length: bool) -> list[Violation]:
    """The `min`/`max` a length or a value breaks."""
    noun, kind = ("length", "LENGTH") if of_length else ("value", "VALUE")
    found = []
    if "min" in limits and size < limits["min"]:
        constraint = f"Member must have {noun} greater than or equal to {limits['min']}"
        found.append(Violation(path, constraint, f"MIN_{kind}_EXCEEDED"))
    if "max" in limits and size > limits["max"]:
        constraint = f"Member must have {noun} less than or equal to {limits['max']}"
        found.append(Violation(path, constraint, f"MAX_{kind}_EXCEEDED"))
    return found


def violations(shape, value: Any, path: str = "") -> list[Violation]:
    """Every constraint of `shape` (pattern, min, max) that `value` breaks, nested ones too."""
    if shape is None or value is None:
        return []
    kind, limits = shape.type_name, shape.metadata
    if kind == "structure" and isinstance(value, dict):
        return [
            found
            for name, member in shape.members.items()
            for found in violations(member, value.get(name), _member_path(path, name))
        ]
    if kind == "list" and isinstance(value, list):
        found = _range_violations(len(value), limits, path, of_length=True)
        for index, item in enumerate(value, 1):
            found += violations(shape.member, item, f"{path}.{index}.member")
        return found
    if kind == "map" and isinstance(value, dict):
        found = _range_violations(len(value), limits, path, of_length=True)
        for index, (key, item) in enumerate(value.items(), 1):
            found += violations(shape.key, key, f"{path}.{index}.key")
            found += violations(shape.value, item, f"{path}.{index}.value")
        return found
    if kind == "string" and isinstance(value, str):
        found = _range_violations(len(value), limits, path, of_length=True)
        pattern = limits.get("pattern")
        expression = compiled(pattern) if pattern else None
        if expression is not None and expression.fullmatch(value) is None:
            constraint = f"Member must satisfy regular expression pattern: {pattern}"
            found.append(Violation(path, constraint, "INVALID_PATTERN"))
        return found
    if kind in ("integer", "long") and isinstance(value, int) and not isinstance(value, bool):
        return _range_violations(value, limits, path, of_length=False)
    return []


def validation_error(service: str, found: list[Violation]) -> Exception:
    """The error `service` answers for these violations (never echoing the values)."""
    count = len(found)
    detail = f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(
        violation.sentence() for violation in found
    )
    if service == "organizations":
        error = InvalidInputException(detail)
        error.reason = found[0].reason
        return error
    if service in _JSON_SERVICES:
        return JsonRESTError("ValidationException", detail)
    return _QUERY_ERRORS[service]("ValidationError", detail)
