"""The connection check of an edit before it is saved: the stored platform with the new values.

The check reads a platform as it is stored (check_platform); an unsaved copy given the new
roles, external ids, endpoint, credentials, landing zones and role mappings (whose permission
sets the Identity Center part checks) lets it judge the change without writing anything.
"""

from __future__ import annotations

import copy

from platforms import secrets
from platforms.config_io import PlatformRecord, RoleMappingRecord
from platforms.models import LandingZone, PlatformInstance, RoleMapping

from . import check_platform
from .checks import Check

# What the check reaches AWS with: a change to any of these is checked before it is saved.
CONNECTION_ATTRIBUTES = (
    "endpoint_url",
    "organization_root_account_role",
    "organization_root_account_external_id",
    "automation_account_role",
    "automation_account_external_id",
)
SECRETS = ("access_key", "secret_key", "privileged_external_id")


def _identity_center_access(record: PlatformRecord) -> tuple[str, ...]:
    """What the Identity Center part of the check reaches: the instance and the role to it."""
    center = record.identity_center
    if center is None:
        return ()
    return (
        center.instance_arn, center.identity_store_id, center.region, center.role_arn,
        center.external_id,
    )  # fmt: skip


def _target_ous(record: PlatformRecord) -> dict[str, str]:
    return {zone.identifier: zone.target_organizational_unit for zone in record.landing_zones}


def _permission_sets(record: PlatformRecord) -> set[str]:
    """The permission sets the role mappings name (Identity Center mode; none in SAML mode)."""
    mappings = [*record.role_mappings]
    for zone in record.landing_zones:
        mappings += zone.role_mappings or ()
    return {arn for mapping in mappings for arn in mapping.permission_set_arns}


def changes_connection(before: PlatformRecord, after: PlatformRecord) -> bool:
    """Whether the change touches roles, external ids, the endpoint, landing zones' OUs, the
    Identity Center instance or the permission sets the role mappings name."""
    return (
        any(getattr(before, name) != getattr(after, name) for name in CONNECTION_ATTRIBUTES)
        or _identity_center_access(before) != _identity_center_access(after)
        or _target_ous(before) != _target_ous(after)
        or _permission_sets(before) != _permission_sets(after)
    )


def _ciphertext(platform: PlatformInstance, name: str, record: PlatformRecord) -> str:
    """The secret as `platform_access` reads it: the typed value, or the kept stored one."""
    secret = getattr(record, name)
    if secret.value is not None:
        return secrets.encrypt(secret.value)
    return getattr(platform, f"{name}_ciphertext") if secret.fingerprint else ""


def proposed_platform(
    platform: PlatformInstance, stored: PlatformRecord, record: PlatformRecord
) -> PlatformInstance:
    """An unsaved copy of `platform` (stored as `stored`) as `record` would set it; secrets
    left empty are kept, as platform_apply keeps them."""
    record = record.keeping_secrets_of(stored)
    proposed = copy.copy(platform)
    for name in SECRETS:
        setattr(proposed, f"{name}_ciphertext", _ciphertext(platform, name, record))
    for name in (*CONNECTION_ATTRIBUTES, "region", "web_identity_role_arn",
                 "web_identity_token_file"):  # fmt: skip
        setattr(proposed, name, getattr(record, name))
    center = record.identity_center
    for name in ("instance_arn", "identity_store_id", "region", "role_arn", "external_id"):
        setattr(proposed, f"identity_center_{name}", getattr(center, name) if center else "")
    zones = [
        _with_role_mappings(LandingZone(
            platform=proposed,
            identifier=zone.identifier,
            display_name=zone.display_name,
            target_organizational_unit=zone.target_organizational_unit,
            stack_set_name=zone.stack_set_name,
            stack_set_region=zone.stack_set_region,
            bootstrap_template=zone.bootstrap_template,
            disabled=zone.disabled,
            position=position,
            replaces_role_mappings=zone.role_mappings is not None,
        ), zone.role_mappings or ())
        for position, zone in enumerate(record.landing_zones)
    ]  # fmt: skip
    # check_platform reads `platform.landing_zones.all()` and the role mappings through the
    # relations: prefetched lists answer them.
    proposed._prefetched_objects_cache = {"landing_zones": zones}
    return _with_role_mappings(proposed, record.role_mappings)


def _with_role_mappings(owner, mappings: tuple[RoleMappingRecord, ...]):
    """`owner` (a platform or landing zone) answering `role_mappings.all()` with `mappings`."""
    owner_field = "platform" if isinstance(owner, PlatformInstance) else "landing_zone"
    rows = RoleMapping.rows_of(mappings, **{owner_field: owner})
    cache = getattr(owner, "_prefetched_objects_cache", {})
    owner._prefetched_objects_cache = {**cache, "role_mappings": rows}
    return owner


def check_proposed(
    platform: PlatformInstance, stored: PlatformRecord, record: PlatformRecord
) -> list[Check]:
    """Every check of `platform` as `record` would configure it, nothing saved."""
    return check_platform(proposed_platform(platform, stored, record))
