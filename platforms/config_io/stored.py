"""The record of a stored platform, read from its model through the declaration."""

from __future__ import annotations

from typing import Any

from .declaration import declared
from .fields import Entries, RecordObject, SecretValue
from .record import (
    IdentityCenterRecord,
    LandingZoneRecord,
    PlatformRecord,
    RoleMappingRecord,
    Secret,
)


def record_of(platform) -> PlatformRecord:
    """The stored platform as a record (secrets by fingerprint only).

    The model's fields have the names of the form's (`form_name`); what is not a plain field
    there (the provisioning, the keys, the lists) is read here.
    """
    declaration = declared()
    mesh = platform.provisioning == platform.Provisioning.MESH
    values = _plain_values(declaration, platform)
    values.update(
        access_keys=bool(platform.access_key_ciphertext),
        account_email_template=platform.account_email_template if mesh else None,
        external_provisioning=None
        if mesh
        else {
            key: getattr(platform, field.form_name)
            for key, field in declaration.fields["externalProvisioning"].fields.items()
        },
        identity_center=IdentityCenterRecord(
            **{
                field.source: getattr(platform, field.form_name)
                for field in declaration.fields["identityCenter"].fields.values()
            }
        )
        if platform.identity_center_instance_arn
        else None,
        role_mappings=_role_mappings(platform.role_mappings.all()),
        landing_zones=tuple(
            LandingZoneRecord(
                **_plain_values(declaration.fields["landingZones"].child, zone),
                role_mappings=_role_mappings(zone.role_mappings.all())
                if zone.replaces_role_mappings
                else None,
            )
            for zone in platform.landing_zones.all()
        ),
    )
    return PlatformRecord(**values)


def _plain_values(part: RecordObject, stored) -> dict[str, Any]:
    """The attributes of `part`'s plain keys (through its groups) from the model row."""
    values: dict[str, Any] = {}
    for field in part.fields.values():
        if field.source == "*":
            values.update(_plain_values(field, stored))
        elif isinstance(field, SecretValue):
            fingerprint = getattr(stored, f"{field.form_name}_fingerprint")
            values[field.source] = Secret(fingerprint=fingerprint)
        elif not isinstance(field, (RecordObject, Entries)):
            values[field.source] = getattr(stored, field.form_name)
    return values


def _role_mappings(mappings) -> tuple[RoleMappingRecord, ...]:
    """Stored role mappings as record parts."""
    return tuple(
        RoleMappingRecord(
            m.project_role, m.role_name, tuple(m.policy_arns), tuple(m.permission_set_arns)
        )
        for m in mappings
    )
