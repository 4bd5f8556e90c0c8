"""Every write of the platforms app, each in one transaction with its audit event."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from audit.services import audit_event_create

from . import patterns, secrets, signals
from .config_io import (
    IdentityCenterRecord,
    PlatformRecord,
    RecordInvalid,
    RoleMappingRecord,
    record_of,
    secrets_to_type_again,
)
from .models import LandingZone, Location, PlatformInstance, RoleMapping


@dataclass(frozen=True)
class PlatformApplied:
    """What platform_apply did."""

    platform: PlatformInstance
    created: bool
    changed: bool


class PlatformInUse(Exception):
    """A platform (or landing zone) that project accounts still use cannot be deleted."""


def _check_display_name(display_name: str | None) -> None:
    try:
        patterns.validate_display_name(display_name or "")
    except ValidationError as error:
        raise ValidationError({"display_name": error.messages}) from None


@transaction.atomic
def location_create(
    *, identifier: str, display_name: str, actor: AbstractBaseUser | None
) -> Location:
    """Create a location; ValidationError names the field when the identifier is refused."""
    try:
        patterns.validate_platform_identifier(identifier)
    except ValidationError as error:
        raise ValidationError({"identifier": error.messages}) from None
    if Location.objects.filter(identifier=identifier).exists():
        raise ValidationError({"identifier": f"location {identifier!r} already exists"})
    _check_display_name(display_name)
    location = Location.objects.create(
        identifier=identifier, display_name=display_name or identifier
    )
    audit_event_create(
        actor=actor,
        action="location.create",
        object_type="location",
        object_id=location.pk,
        object_repr=identifier,
        after={"identifier": identifier, "displayName": location.display_name},
    )
    return location


def _set_secret(platform: PlatformInstance, name: str, secret) -> None:
    if secret.value is None:
        if not secret.fingerprint:  # none given and none kept: nothing stored any more
            setattr(platform, f"{name}_ciphertext", "")
            setattr(platform, f"{name}_fingerprint", "")
        return
    if getattr(platform, f"{name}_fingerprint") == secret.fingerprint:
        return  # the same value: keep the ciphertext rather than churn it
    setattr(platform, f"{name}_ciphertext", secrets.encrypt(secret.value))
    setattr(platform, f"{name}_fingerprint", secret.fingerprint)


def _replace_role_mappings(
    mappings: tuple[RoleMappingRecord, ...], *, platform=None, landing_zone=None
) -> None:
    owner = {"platform": platform} if platform is not None else {"landing_zone": landing_zone}
    RoleMapping.objects.filter(**owner).delete()
    RoleMapping.objects.bulk_create(RoleMapping.rows_of(mappings, **owner))


@transaction.atomic
def platform_apply(
    *,
    location: Location,
    record: PlatformRecord,
    actor: AbstractBaseUser | None,
    reason: str = "",
    display_name: str | None = None,
) -> PlatformApplied:
    """Create or update the platform `record.platform` in `location` to match `record`.

    Idempotent: applying the stored configuration again writes nothing and no audit event.
    RecordInvalid when the change would send a kept secret somewhere new (parse_record says
    so first; this holds for every caller).
    """
    _check_display_name(display_name)
    platform = (
        PlatformInstance.objects.select_for_update()
        .filter(location=location, identifier=record.platform)
        .first()
    )
    created = platform is None
    before = None if created else record_of(platform)
    if before is not None and (left_behind := secrets_to_type_again(record, before)):
        raise RecordInvalid(left_behind)
    record = record.keeping_secrets_of(before)
    name_changes = display_name is not None and (created or display_name != platform.display_name)
    if before is not None and before.as_dict() == record.as_dict() and not name_changes:
        return PlatformApplied(platform, created=False, changed=False)

    if created:
        platform = PlatformInstance(location=location, identifier=record.platform)
    if display_name is not None:
        platform.display_name = display_name
    _set_secret(platform, "access_key", record.access_key)
    _set_secret(platform, "secret_key", record.secret_key)
    _set_secret(platform, "privileged_external_id", record.privileged_external_id)
    mesh = record.account_email_template is not None
    external = record.external_provisioning or {}
    platform.region = record.region
    platform.organization_root_account_role = record.organization_root_account_role
    platform.organization_root_account_external_id = record.organization_root_account_external_id
    platform.automation_account_role = record.automation_account_role
    platform.automation_account_external_id = record.automation_account_external_id
    platform.wait_for_external_avm = record.wait_for_external_avm
    platform.external_avm_timeout_minutes = record.external_avm_timeout_minutes
    platform.provisioning = (
        PlatformInstance.Provisioning.MESH if mesh else PlatformInstance.Provisioning.EXTERNAL
    )
    platform.account_email_template = record.account_email_template or ""
    platform.external_timeout_minutes = external.get("timeoutMinutes", 60)
    platform.external_customer_tag_key = external.get("customerTagKey", "ProductName")
    platform.external_project_tag_key = external.get("projectTagKey", "Stage")
    platform.account_access_role = record.account_access_role
    platform.account_alias_pattern = record.account_alias_pattern
    platform.enforce_account_alias = record.enforce_account_alias
    platform.customer_identifier_length = record.customer_identifier_length
    platform.project_identifier_length = record.project_identifier_length
    platform.tag_prefix = record.tag_prefix
    platform.identity_provider_name = record.identity_provider_name
    platform.identity_provider_metadata = record.identity_provider_metadata
    _set_identity_center(platform, record.identity_center)
    platform.account_creation_concurrency = record.account_creation_concurrency
    platform.endpoint_url = record.endpoint_url
    platform.console_sign_in_url_template = record.console_sign_in_url_template
    platform.web_identity_role_arn = record.web_identity_role_arn
    platform.web_identity_token_file = record.web_identity_token_file
    platform.allow_hierarchical_ou_assignment = record.allow_hierarchical_ou_assignment
    platform.save()

    _replace_role_mappings(record.role_mappings, platform=platform)
    _apply_landing_zones(platform, record)

    after = record_of(platform)
    event = audit_event_create(
        actor=actor,
        action="platform.create" if created else "platform.update",
        object_type="platform",
        object_id=platform.pk,
        object_repr=platform.full_identifier,
        before=None if before is None else before.as_dict(),
        after=after.as_dict(),
        remark=reason,
    )
    if before is not None:
        signals.platform_changed.send(
            sender=PlatformInstance, platform=platform, before=before, after=after, cause=event
        )
    return PlatformApplied(platform, created=created, changed=True)


def _set_identity_center(platform: PlatformInstance, center: IdentityCenterRecord | None) -> None:
    """The identity_center_* fields from the record's identityCenter, or all empty."""
    platform.identity_center_instance_arn = center.instance_arn if center else ""
    platform.identity_center_identity_store_id = center.identity_store_id if center else ""
    platform.identity_center_region = center.region if center else ""
    platform.identity_center_role_arn = center.role_arn if center else ""
    platform.identity_center_external_id = center.external_id if center else ""
    platform.identity_center_group_name_pattern = center.group_name_pattern if center else ""
    platform.identity_center_sign_in_url = center.sign_in_url if center else ""


def _apply_landing_zones(platform: PlatformInstance, record: PlatformRecord) -> None:
    """Update landing zones by identifier (their rows stay: accounts refer to them)."""
    existing = {zone.identifier: zone for zone in platform.landing_zones.all()}
    wanted = {zone.identifier for zone in record.landing_zones}
    for identifier, zone in existing.items():
        if identifier not in wanted:
            try:
                zone.delete()
            except ProtectedError as error:
                raise PlatformInUse(
                    f"landing zone {identifier!r} cannot be removed: "
                    f"{len(error.protected_objects)} project account(s) use it"
                ) from None
    for position, spec in enumerate(record.landing_zones):
        zone = existing.get(spec.identifier) or LandingZone(
            platform=platform, identifier=spec.identifier
        )
        zone.display_name = spec.display_name
        zone.target_organizational_unit = spec.target_organizational_unit
        zone.stack_set_name = spec.stack_set_name
        zone.stack_set_region = spec.stack_set_region
        zone.bootstrap_template = spec.bootstrap_template
        zone.replaces_role_mappings = spec.role_mappings is not None
        zone.disabled = spec.disabled
        zone.retired_organizational_unit = spec.retired_organizational_unit
        zone.close_account_on_deletion = spec.close_account_on_deletion
        zone.automate_deletion_approval = spec.automate_deletion_approval
        zone.position = position
        zone.save()
        _replace_role_mappings(spec.role_mappings or (), landing_zone=zone)


@transaction.atomic
def platform_delete(
    *, platform: PlatformInstance, actor: AbstractBaseUser | None, reason: str = ""
) -> None:
    """Delete a platform that no project account uses; PlatformInUse says why otherwise."""
    before = record_of(platform).as_dict()
    identifier, pk = platform.full_identifier, platform.pk
    try:
        platform.delete()
    except ProtectedError as error:
        raise PlatformInUse(
            f"platform {identifier} cannot be deleted: "
            f"{len(error.protected_objects)} project account(s) use it"
        ) from None
    audit_event_create(
        actor=actor,
        action="platform.delete",
        object_type="platform",
        object_id=pk,
        object_repr=identifier,
        before=before,
        remark=reason,
    )


COMMENT_MAX_LENGTH = 255


class PlatformAlreadyInState(Exception):
    """Deprecating a deprecated platform, or reactivating one that is not deprecated."""


def _lifecycle_state(platform: PlatformInstance) -> dict:
    deprecated_at = platform.deprecated_at.isoformat() if platform.deprecated_at else None
    return {"deprecatedAt": deprecated_at, "deprecatedComment": platform.deprecated_comment}


def _locked_for_lifecycle(platform: PlatformInstance, comment: str) -> PlatformInstance:
    """The platform's row, locked: project_account_create reads the state under this lock."""
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"comment": f"has {len(comment)} characters; at most {COMMENT_MAX_LENGTH}"}
        )
    return (
        PlatformInstance.objects.select_for_update(of=("self",))
        .select_related("location")
        .get(pk=platform.pk)
    )


@transaction.atomic
def platform_deprecate(
    *, platform: PlatformInstance, actor: AbstractBaseUser | None, comment: str = ""
) -> PlatformInstance:
    """Stop `platform` accepting new accounts; its accounts are still replicated.

    PlatformAlreadyInState when it is deprecated already; ValidationError names `comment`.
    """
    platform = _locked_for_lifecycle(platform, comment)
    if platform.is_deprecated:
        raise PlatformAlreadyInState(
            f"platform {platform.full_identifier} is already deprecated "
            f"(since {platform.deprecated_at:%Y-%m-%d %H:%M} UTC)"
        )
    before = _lifecycle_state(platform)
    platform.deprecated_at = timezone.now()
    platform.deprecated_comment = comment
    platform.save(update_fields=["deprecated_at", "deprecated_comment"])
    audit_event_create(
        actor=actor,
        action="platform.deprecate",
        object_type="platform",
        object_id=platform.pk,
        object_repr=platform.full_identifier,
        before=before,
        after=_lifecycle_state(platform),
        remark=comment,
    )
    return platform


@transaction.atomic
def platform_reactivate(
    *, platform: PlatformInstance, actor: AbstractBaseUser | None, comment: str = ""
) -> PlatformInstance:
    """Let a deprecated `platform` accept new accounts again.

    PlatformAlreadyInState when it is not deprecated; ValidationError names `comment`.
    """
    platform = _locked_for_lifecycle(platform, comment)
    if not platform.is_deprecated:
        raise PlatformAlreadyInState(f"platform {platform.full_identifier} is not deprecated")
    before = _lifecycle_state(platform)
    platform.deprecated_at = None
    platform.deprecated_comment = ""
    platform.save(update_fields=["deprecated_at", "deprecated_comment"])
    audit_event_create(
        actor=actor,
        action="platform.reactivate",
        object_type="platform",
        object_id=platform.pk,
        object_repr=platform.full_identifier,
        before=before,
        after=_lifecycle_state(platform),
        remark=comment,
    )
    return platform


SECRET_NAMES = ("access_key", "secret_key", "privileged_external_id")


def platforms_rotate_secrets(*, actor: AbstractBaseUser | None) -> int:
    """Re-encrypt every stored secret under the newest key; returns how many were rotated.

    Fingerprints are recomputed on the way, so they follow a changed SECRET_KEY too.
    """
    rotated = 0
    with transaction.atomic():
        for platform in PlatformInstance.objects.select_for_update():
            for name in SECRET_NAMES:
                ciphertext = getattr(platform, f"{name}_ciphertext")
                if ciphertext:
                    setattr(platform, f"{name}_ciphertext", secrets.rotate(ciphertext))
                    setattr(
                        platform, f"{name}_fingerprint",
                        secrets.fingerprint(secrets.decrypt(ciphertext)),
                    )  # fmt: skip
                    rotated += 1
            platform.save(
                update_fields=[f"{name}_{part}" for name in SECRET_NAMES
                               for part in ("ciphertext", "fingerprint")]
            )  # fmt: skip
        rotated += signals.rotate_other_secrets()
        audit_event_create(
            actor=actor,
            action="secrets.rotate",
            object_type="platform",
            remark=f"{rotated} stored secret(s) re-encrypted under the newest key",
        )
    return rotated
