"""Which form field edits which record key, derived from the record's declaration.

The form's fields are named as the record's attributes (and the model's fields), unless a
key declares `form_field`; a group that a choice selects (credentials, provisioning)
declares `form_choice`. From that: the path → field map for errors, the record data a
posted form gives, and a stored record's initial values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from platforms.config_io.declaration import declared, paths
from platforms.config_io.fields import Entries, PolicyArn, PolicyArns, RecordObject, SecretValue
from platforms.config_io.role_mappings import PermissionSetArns


def _form_field_of(field) -> str:
    """The form field of a key; for an object, its choice or its first key's field."""
    if isinstance(field, RecordObject):
        if field.form_choice:
            return field.form_choice[0]
        return _form_field_of(next(iter(field.fields.values())))
    return field.form_name


def field_of_path(part: RecordObject) -> dict[str, str]:
    """Record path → form field for `part`'s keys and objects (lists are formsets)."""
    return {
        path: _form_field_of(field)
        for path, field in paths(part, lambda field: not isinstance(field, Entries))
    }


def secret_fields(part: RecordObject) -> tuple[str, ...]:
    """The form fields of the secrets: never rendered back, sealed on the impact page."""
    return tuple(
        field.form_name for _, field in paths(part, lambda field: isinstance(field, SecretValue))
    )


def _chosen(part: RecordObject, values: Mapping[str, Any]) -> bool:
    """Whether the posted form gives this object."""
    if part.required:
        return True
    if part.form_choice:
        name, choice = part.form_choice
        return values.get(name) == choice
    return any(values.get(field.form_name) for field in part.fields.values())


def record_from_form(part: RecordObject, values: Mapping[str, Any]) -> dict[str, Any]:
    """`part`'s keys from the cleaned form values (lists come from their formsets)."""
    data: dict[str, Any] = {}
    for key, field in part.fields.items():
        if isinstance(field, (Entries, PolicyArn)):
            continue  # a row's policies are one list field (policyArns)
        if isinstance(field, RecordObject):
            data[key] = record_from_form(field, values) if _chosen(field, values) else None
        elif isinstance(field, SecretValue):
            data[key] = values.get(field.form_name) or None  # an empty box keeps the stored one
        else:
            data[key] = values.get(field.form_name)
    return data


def _form_value(field, value: Any) -> Any:
    """A record value as the form shows it: ARNs one per line, nothing as ""."""
    if isinstance(field, (PolicyArns, PermissionSetArns)):
        return "\n".join(value)
    return "" if value is None else value


def initial_from(part: RecordObject, record: Any) -> dict[str, Any]:
    """The form's initial values of `part`'s keys from a record (secrets never)."""
    initial: dict[str, Any] = {}
    for field in part.fields.values():
        if isinstance(field, (Entries, PolicyArn, SecretValue)):
            continue
        if isinstance(field, RecordObject):
            inner = record if field.source == "*" else getattr(record, field.source)
            present = field.present(record) if field.source == "*" else inner is not None
            if field.form_choice and present:
                initial[field.form_choice[0]] = field.form_choice[1]
            initial.update(initial_from(field, inner) if inner is not None else _absent(field))
        elif isinstance(record, Mapping):
            initial[field.form_name] = _form_value(field, record[field.source])
        else:
            initial[field.form_name] = _form_value(field, getattr(record, field.source))
    return initial


def _absent(part: RecordObject) -> dict[str, Any]:
    """The initial values of an object the record leaves out: its keys' defaults."""
    return {field.form_name: _form_value(field, field.absent) for field in part.fields.values()}


PLATFORM = declared()
ROLE_MAPPING = PLATFORM.fields["roleMappings"].child
LANDING_ZONE = PLATFORM.fields["landingZones"].child
FIELD_OF_PATH = field_of_path(PLATFORM)
ROLE_MAPPING_FIELD = field_of_path(ROLE_MAPPING)
LANDING_ZONE_FIELD = field_of_path(LANDING_ZONE)
SECRET_FIELDS = secret_fields(PLATFORM)
