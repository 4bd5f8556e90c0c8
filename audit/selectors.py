"""Reads of the audit log: the list's columns, the events that changed a field, and what one
event changed, field by field (the list's filters are audit.filters)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Lookup, QuerySet
from django.db.models.fields.json import KeyTransform

from .models import AuditEvent

# Columns the list page shows: before/after can be large and are read on the event's page only.
LIST_COLUMNS = (
    "created_at", "actor_name", "action", "object_type", "object_id", "object_repr", "remark",
)  # fmt: skip
# Keys that name the items of a list of records (landing zones, role mappings), so that a diff
# says `landingZones[sandbox].disabled` instead of an index that shifts when one is removed.
ITEM_KEYS = ("identifier", "mapKey", "name")


class _Differs(Lookup):
    """`lhs` and `rhs` differ, a missing (NULL) value included: SQL's IS DISTINCT FROM."""

    lookup_name = "differs"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        # SQLite spells it IS NOT; PostgreSQL compares jsonb values exactly (true is not 1).
        operator = "IS NOT" if connection.vendor == "sqlite" else "IS DISTINCT FROM"
        return f"{lhs} {operator} {rhs}", (*lhs_params, *rhs_params)


def _value_at(column: str, path: list[str]) -> KeyTransform:
    value = F(column)
    for key in path:
        value = KeyTransform(key, value)
    return value


def audit_events_changing(events: QuerySet[AuditEvent], path: str) -> QuerySet[AuditEvent]:
    """The events whose object's field `path` (`region`, `identityCenter.region`) differs
    between before and after: added, removed or changed. Keys are passed to the database as
    JSON key lookups, one key each, never parsed as lookups of their own."""
    keys = path.split(".")
    return events.filter(_Differs(_value_at("before", keys), _value_at("after", keys)))


@dataclass(frozen=True)
class FieldChange:
    """One field of an event's object: its value before and after (MISSING where absent)."""

    path: str
    before: Any
    after: Any

    @property
    def kind(self) -> str:
        """added, removed or changed."""
        if self.before is MISSING:
            return "added"
        if self.after is MISSING:
            return "removed"
        return "changed"

    @property
    def before_text(self) -> str:
        return _text(self.before)

    @property
    def after_text(self) -> str:
        return _text(self.after)


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


def _text(value: Any) -> str:
    if value is MISSING:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def _item_key(items: list) -> str | None:
    """The key naming each item of `items`, if every item is a record carrying a unique one."""
    for key in ITEM_KEYS:
        names = [item.get(key) if isinstance(item, dict) else None for item in items]
        if all(isinstance(name, str) and name for name in names) and len(set(names)) == len(names):
            return key
    return None


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested records as {dotted path: leaf value}; lists of named records keyed by name."""
    if isinstance(value, dict) and value:
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(value, list) and value and (key := _item_key(value)):
        flat = {}
        for item in value:
            flat.update(flatten(item, f"{prefix}[{item[key]}]"))
        return flat
    return {prefix: value}


def audit_event_diff(event: AuditEvent) -> list[FieldChange]:
    """The fields `event` added, removed or changed, in the order the records list them."""
    before = flatten(event.before) if event.before not in (None, {}) else {}
    after = flatten(event.after) if event.after not in (None, {}) else {}
    paths = list(before) + [path for path in after if path not in before]
    changes = []
    for path in paths:
        old, new = before.get(path, MISSING), after.get(path, MISSING)
        # `type` too: JSON's true and 1 are different values, though Python finds them equal.
        if type(old) is not type(new) or old != new:
            changes.append(FieldChange(path, old, new))
    return changes
