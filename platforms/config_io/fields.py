"""The kinds of value a platform record holds, as DRF serializer fields that read by path.

A field declares a record key once: its type, whether it is required, the patterns check it
gets, the PlatformRecord attribute it fills (`source`; by default the key in snake_case),
and what the rest of meshaws needs to know about it (`every_account`, `form_field`).
DRF gives the declaration, `to_representation` (the export) and the OpenAPI schema. Reading
is `read`, not DRF's validation: DRF coerces types ("5" → 5) and skips a serializer's
cross-field checks after any field error, while a record reports every error at once, each
with its path, e.g. `roleMappings[1].mapValue.roleName`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from platforms.secrets import LEGACY_FINGERPRINT_PREFIX, is_fingerprint

from .record import Secret

_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])([A-Z])")


def join(path: str, key: str | int) -> str:
    """The path of `key` inside the value at `path`."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if not key.strip():  # a blank key would leave the path empty or invisible: quote it
        return f"{path}[{json.dumps(key)}]"
    return f"{path}.{key}" if path else key


class Reading:
    """One parse of a record: the errors found so far by path, and what secrets need."""

    def __init__(self, *, stored: Any = None, environ: Mapping[str, str] | None = None) -> None:
        self.errors: dict[str, list[str]] = {}
        self.warnings: list[str] = []
        self.stored = stored
        self.environ = environ
        # The record's identityCenter as given (None: not given): role mappings follow it.
        self.identity_center: Any = None

    def error(self, path: str, message: str) -> None:
        """Record one error at `path`."""
        self.errors.setdefault(path, []).append(message)

    def check(self, path: str, validator: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a patterns validator; its ValidationError becomes an error at `path`."""
        try:
            return validator(*args, **kwargs)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for key, errors in error.error_dict.items():
                    for message in errors:
                        self.error(key, " ".join(message.messages))
            else:
                for message in error.messages:
                    self.error(path, message)
            return None


class RecordField:
    """What every declared key carries besides its type."""

    # Read by the object that holds it (see RoleMappingValue), not one by one.
    read_by_parent = False

    def __init__(self, *args, every_account: bool = False, form_field: str = "", **kwargs):
        # every_account: a change of this key alters every account of the platform.
        self.every_account = every_account
        # form_field: the operator form's field (and the model's) when not the attribute name.
        self.form_field = form_field
        super().__init__(*args, **kwargs)

    def bind(self, field_name: str, parent) -> None:
        """Bind as DRF does, with the key in snake_case as the default attribute."""
        attribute = _CAMEL_HUMP.sub(r"_\1", field_name).lower()
        if self.source is None and attribute != field_name:
            if not getattr(parent, "keys_are_attributes", False):
                self.source = attribute
        super().bind(field_name, parent)

    @property
    def form_name(self) -> str:
        """The field on the operator form that edits this value."""
        return self.form_field or self.source


class Text(RecordField, serializers.CharField):
    """A text; null, "" and left out are the same. `check` is a patterns validator."""

    def __init__(self, *, required=False, max_length=None, check=None, default="", **kw):
        self.check, self.default_text = check, default
        self.absent = default
        super().__init__(
            required=required, allow_null=not required, allow_blank=not required,
            max_length=max_length, **kw,
        )  # fmt: skip

    def read(self, value: Any, path: str, reading: Reading) -> str:
        """The text at `path`, or the default when it is missing or invalid."""
        if value is None or value == "":
            if self.required:
                reading.error(path, "is required")
            return self.default_text
        if not isinstance(value, str):
            reading.error(path, "must be a text")
            return self.default_text
        if self.max_length and len(value) > self.max_length:
            reading.error(
                path, f"has {len(value)} characters; at most {self.max_length} are allowed"
            )
            return self.default_text
        if self.check is not None:
            reading.check(path, self.check, value)
        return value

    def to_representation(self, value: str) -> str | None:
        """The text, or null for an empty one."""
        return value or None


class Boolean(RecordField, serializers.BooleanField):
    """true or false; left out: the default."""

    def __init__(self, *, default: bool = False, **kwargs):
        self.absent = default
        super().__init__(required=False, **kwargs)

    def read(self, value: Any, path: str, reading: Reading) -> bool:
        """The boolean at `path`."""
        if value is None:
            return self.absent
        if not isinstance(value, bool):
            reading.error(path, "must be true or false")
            return self.absent
        return value

    def to_representation(self, value: bool) -> bool:
        """The boolean as it is."""
        return value


class Integer(RecordField, serializers.IntegerField):
    """A whole number from `low` to `high`; left out: the default."""

    def __init__(self, *, default: int, low: int, high: int, **kwargs):
        self.absent = default
        super().__init__(required=False, min_value=low, max_value=high, **kwargs)

    def read(self, value: Any, path: str, reading: Reading) -> int:
        """The number at `path`, or the default when it is invalid."""
        if value is None:
            return self.absent
        if isinstance(value, bool) or not isinstance(value, int):
            reading.error(path, "must be a whole number")
            return self.absent
        if not self.min_value <= value <= self.max_value:
            reading.error(path, f"must be between {self.min_value} and {self.max_value}")
            return self.absent
        return value

    def to_representation(self, value: int) -> int:
        """The number as it is."""
        return value


_SECRET_SCHEMA = {
    "oneOf": [
        {"type": "string", "description": 'the value, or "env:NAME" in import_platform'},
        {
            "type": "object",
            "properties": {"fingerprint": {"type": "string"}},
            "required": ["fingerprint"],
            "description": "the stored secret, kept",
        },
    ],
    "nullable": True,
}


@extend_schema_field(_SECRET_SCHEMA)
class SecretValue(RecordField, serializers.Field):
    """A write-only secret: a value, `env:NAME`, the stored one's fingerprint, or left out."""

    absent = Secret()

    def __init__(self, *, required=False, check=None, stored_when: str = "", **kwargs):
        self.check = check
        # stored_when: the stored record's flag without which it has no such secret to keep.
        self.stored_when = stored_when
        super().__init__(required=required, allow_null=True, **kwargs)

    def read(self, value: Any, path: str, reading: Reading) -> Secret:
        """The secret given at `path`; Secret() means "keep the stored one"."""
        stored = reading.stored
        if stored is not None and self.stored_when and not getattr(stored, self.stored_when):
            stored = None
        kept = getattr(stored, self.source) if stored is not None else None
        if value is None or value == "":
            if self.required and (kept is None or not kept.fingerprint):
                reading.error(path, "is required")
            return Secret()
        if isinstance(value, Mapping) and set(value) == {"fingerprint"}:
            # An exported file names the stored secret by fingerprint: "keep it".
            given = value["fingerprint"]
            if isinstance(given, str) and given.startswith(LEGACY_FINGERPRINT_PREFIX):
                # Checking it would mean hashing the stored secret bare again: a guess oracle.
                reading.error(
                    path,
                    "names a secret by an unkeyed sha256 fingerprint from an older export, "
                    "which cannot be checked; export the platform again, or give the value or "
                    "env:NAME",
                )
            elif kept is None or given != kept.fingerprint:
                reading.error(
                    path,
                    "names a secret by fingerprint that is not the stored one; give the value "
                    "or env:NAME",
                )
            return Secret()
        if not isinstance(value, str):
            reading.error(path, 'must be a text, "env:NAME" or {"fingerprint": …}')
            return Secret()
        if value.startswith("env:"):
            value = self._from_environment(value[4:], path, reading)
            if value is None:
                return Secret()
        if is_fingerprint(value):
            reading.error(path, "looks like a fingerprint, not a secret value")
            return Secret()
        if self.check is not None:
            reading.check(path, self.check, value)
            if path in reading.errors:
                return Secret()
        return Secret.of(value)

    @staticmethod
    def _from_environment(name: str, path: str, reading: Reading) -> str | None:
        """The value of the environment variable `name`, or None with the error said."""
        if reading.environ is None:
            reading.error(
                path,
                "env:NAME is resolved only by `manage.py import_platform` on the server; "
                "give the value itself here",
            )
            return None
        if name not in reading.environ:
            reading.error(path, f"environment variable {name} is not set")
            return None
        if not reading.environ[name]:
            reading.error(path, f"environment variable {name} is empty")
            return None
        return reading.environ[name]

    def to_representation(self, secret: Secret) -> dict[str, str] | None:
        """The secret's fingerprint only, never its value."""
        return {"fingerprint": secret.fingerprint} if secret.fingerprint else None


class PolicyArns(RecordField, serializers.ListField):
    """`policyArns`: a list of policy ARNs (read with `policyArn` by RoleMappingValue)."""

    read_by_parent = True
    absent = ()

    def __init__(self, **kwargs):
        super().__init__(child=serializers.CharField(), required=False, allow_null=True, **kwargs)


@extend_schema_field({"type": "string", "nullable": True})
class PolicyArn(PolicyArns):
    """`policyArn`: one policy ARN, as the integration page writes a role mapping."""


class RecordObject(RecordField, serializers.Serializer):
    """An object of the record. With source="*" it is a group of the parent's attributes."""

    # The PlatformRecord part an object reads into (None: a dict of attributes).
    record_class: type | None = None
    # True: the keys are the dict's keys as they are (externalProvisioning).
    keys_are_attributes = False

    def __init__(self, *, required=False, flag: str = "", form_choice=(), **kwargs):
        # flag: the attribute that says whether this group was given (meshfedServiceUser).
        self.flag = flag
        # form_choice: (form field, value) that chooses this group on the operator form.
        self.form_choice = tuple(form_choice)
        super().__init__(required=required, allow_null=not required, **kwargs)

    @property
    def absent(self) -> Any:
        """The attributes (or the value) when this object is left out."""
        if self.source != "*":
            return None
        values = {field.source: field.absent for field in self.fields.values()}
        return {**values, self.flag: False} if self.flag else values

    def present(self, record: Any) -> bool:
        """Whether the record has this group, for its export."""
        if self.flag:
            return getattr(record, self.flag)
        first = next(iter(self.fields.values()))
        return getattr(record, first.source) != self.absent[first.source]

    def get_attribute(self, instance: Any) -> Any:
        """The record itself for a group it has, None for one it lacks."""
        if self.source == "*":
            return instance if self.present(instance) else None
        return super().get_attribute(instance)

    def read(self, value: Any, path: str, reading: Reading) -> Any:
        """The object at `path` as its record part (or attributes), or its absent value."""
        if value is None and not self.required:
            return self.absent
        values = self.read_values(value, path, reading)
        if values is None:  # not an object: what it lacks is reported too
            values = self.read_values({}, path, reading)
        return self.record_class(**values) if self.record_class else values

    def read_values(self, data: Any, path: str, reading: Reading) -> dict[str, Any] | None:
        """Every declared key of `data` read into attributes; None if it is no object."""
        if not isinstance(data, Mapping):
            reading.error(path or "(record)", "must be an object")
            return None
        expected = ", ".join(self.fields)
        for key in data:
            if key not in self.fields:
                reading.error(join(path, key), f"unknown key; expected one of: {expected}")
        values = {self.flag: True} if self.flag else {}
        for key, field in self.fields.items():
            if field.read_by_parent:
                continue
            value = field.read(data.get(key), join(path, key), reading)
            if field.source == "*":
                values.update(value)
            else:
                values[field.source] = value
        self.check(values, data, path, reading)
        return values

    def check(self, values: dict[str, Any], data: Mapping, path: str, reading: Reading) -> None:
        """The rules across this object's keys (none here)."""


class Entries(RecordField, serializers.ListSerializer):
    """A list of objects; `keyed_by` also takes the {key: value} mapping Dhall's toMap gives."""

    def __init__(self, *, absent=(), keyed_by=(), not_a_list="must be a list", unique=(), **kw):
        self.absent = absent
        self.keyed_by, self.not_a_list = tuple(keyed_by), not_a_list
        # unique: (key, message) for a key two entries may not share.
        self.unique = tuple(unique)
        super().__init__(required=False, allow_null=True, **kw)

    def read(self, value: Any, path: str, reading: Reading) -> Any:
        """The entries at `path` as a tuple of record parts."""
        if value is None:
            return self.absent
        if self.keyed_by and isinstance(value, Mapping):
            key_name, value_name = self.keyed_by
            given = [
                ({key_name: key, value_name: item}, join(path, key)) for key, item in value.items()
            ]
        elif isinstance(value, list):
            given = [(entry, join(path, index)) for index, entry in enumerate(value)]
        else:
            reading.error(path, self.not_a_list)
            return ()
        entries, seen = [], set()
        for entry, entry_path in given:
            values = self.child.read_values(entry, entry_path, reading)
            if values is None:
                continue
            if self.unique:
                key, message = self.unique
                name = values[self.child.fields[key].source]
                if name and name in seen:
                    reading.error(join(entry_path, key), message.format(name))
                seen.add(name)
            entries.append(self.child.record_class(**values))
        return tuple(entries)
