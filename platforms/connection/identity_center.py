"""The connection check in Identity Center mode: the instance, its identity store, the mapped
permission sets, and the delegated administrator's role when the platform names one.

The Identity Center calls go through that role, or else through the management role, as the
replication steps make them (docs/aws-setup.md lists both policies).
"""

from __future__ import annotations

from django.db.models import prefetch_related_objects

import aws
from platforms.advice import what_to_fix
from platforms.models import RoleMapping

from .checks import ASSUME_MANAGEMENT, Check, Checker, skipped

ASSUME_IDENTITY_CENTER = "assume identity center role"
INSTANCE = "identity center instance"
IDENTITY_STORE = "identity store"


def permission_set_check(arn: str) -> str:
    """The name of the check of one mapped permission set."""
    return f"permission set {arn}"


def mapped_permission_sets(platform) -> list[str]:
    """Every permission set the platform's role mappings name (its landing zones' too), once."""
    # Read through the relations, so an unsaved proposed platform (proposed.py) answers from
    # its prefetched rows as a stored one answers from the database, in three queries however
    # many landing zones it has (prefetching skips what is prefetched already).
    prefetch_related_objects([platform], "role_mappings", "landing_zones__role_mappings")
    zones = sorted(
        (zone for zone in platform.landing_zones.all() if zone.replaces_role_mappings),
        key=lambda zone: (zone.position, zone.identifier),
    )
    mappings = [
        *_in_order(platform.role_mappings.all()),
        *(mapping for zone in zones for mapping in _in_order(zone.role_mappings.all())),
    ]
    arns: dict[str, None] = {}
    for mapping in mappings:
        arns.update(dict.fromkeys(mapping.permission_set_arns))
    return list(arns)


def _in_order(mappings) -> list[RoleMapping]:
    return sorted(mappings, key=lambda mapping: mapping.position)


def _after_the_role(platform) -> list[str]:
    """The names of the checks that need the role's credentials."""
    return [INSTANCE, IDENTITY_STORE, *map(permission_set_check, mapped_permission_sets(platform))]


def skipped_identity_center_checks(platform, needs: str) -> list[Check]:
    """Every Identity Center check of `platform`, skipped for want of `needs`."""
    names = _after_the_role(platform)
    if platform.identity_center_role_arn:
        names.insert(0, ASSUME_IDENTITY_CENTER)
    return [skipped(name, needs) for name in names]


def identity_center_checks(
    checker: Checker,
    service_user: aws.Credentials | None,
    management: aws.Credentials | None,
) -> list[Check]:
    """The Identity Center checks of the checker's platform, in order."""
    platform, access = checker.platform, checker.access
    checks: list[Check] = []
    if access.identity_center_role:
        check, credentials = checker.assume(
            ASSUME_IDENTITY_CENTER, "Identity Center", access.identity_center_role,
            access.identity_center_external_id, service_user,
        )  # fmt: skip
        checks.append(check)
        needs = ASSUME_IDENTITY_CENTER
    else:
        credentials, needs = management, ASSUME_MANAGEMENT
    if credentials is None:
        return checks + [skipped(name, needs) for name in _after_the_role(platform)]

    check, store_id = _instance(checker, credentials)
    checks.append(check)
    checks.append(
        _identity_store(checker, credentials, store_id)
        if check.passed
        else skipped(IDENTITY_STORE, INSTANCE)
    )
    for arn in mapped_permission_sets(platform):
        checks.append(
            _permission_set(checker, credentials, arn)
            if check.passed
            else skipped(permission_set_check(arn), INSTANCE)
        )
    return checks


def _where(checker: Checker) -> str:
    """Whose role makes the Identity Center calls, for the fixes."""
    if checker.access.identity_center_role:
        return f"the Identity Center role {checker.access.identity_center_role}"
    return "the management role"


def _fix(checker: Checker, error: aws.AwsError) -> str:
    """The catalogue's advice for an Identity Center call the check made (platforms.advice)."""
    return what_to_fix(error.code, operation=error.operation, what=_where(checker)).text


def _instance(checker: Checker, credentials: aws.Credentials) -> tuple[Check, str]:
    """The instance is among those the role sees; the identity store it is connected to."""
    platform = checker.platform
    arn, region = platform.identity_center_instance_arn, checker.access.identity_center_region
    sso = checker.client("sso-admin", credentials, region)
    try:
        instances = list(aws.paginate(sso, "list_instances", "Instances"))
    except aws.AwsError as error:
        return checker.failed(INSTANCE, error, _fix(checker, error)), ""
    found = next((item for item in instances if item.get("InstanceArn") == arn), None)
    if found is None:
        seen = ", ".join(item.get("InstanceArn", "?") for item in instances) or "none"
        return Check(
            INSTANCE, False, f"{arn} is not among the instances {_where(checker)} sees in "
            f"{region} ({seen})",
            fix="check identityCenter.instanceArn and region; without roleArn the instance "
            "must be the organization's (in the management account), with it the delegated "
            "administrator account's role must be the one named",
        ), ""  # fmt: skip
    status = found.get("Status", "ACTIVE")
    if status != "ACTIVE":
        return Check(
            INSTANCE, False, f"{arn} is {status}",
            fix="wait until the instance is ACTIVE, or name another one",
        ), ""  # fmt: skip
    return Check(INSTANCE, True, f"{arn} is active in {region}"), found.get("IdentityStoreId", "")


def _identity_store(checker: Checker, credentials: aws.Credentials, store_id: str) -> Check:
    """The configured identity store is the instance's, and it answers."""
    configured = checker.platform.identity_center_identity_store_id
    if store_id and store_id != configured:
        return Check(
            IDENTITY_STORE, False,
            f"the instance's identity store is {store_id}, not {configured}",
            fix=f"set identityCenter.identityStoreId to {store_id}",
        )  # fmt: skip
    store = checker.client("identitystore", credentials, checker.access.identity_center_region)
    try:
        aws.call(store, "list_groups", IdentityStoreId=configured, MaxResults=1)
    except aws.AwsError as error:
        return checker.failed(IDENTITY_STORE, error, _fix(checker, error))
    return Check(IDENTITY_STORE, True, f"{configured} answers")


def _permission_set(checker: Checker, credentials: aws.Credentials, arn: str) -> Check:
    """A mapped permission set exists in the instance."""
    name = permission_set_check(arn)
    sso = checker.client("sso-admin", credentials, checker.access.identity_center_region)
    try:
        found = aws.call(
            sso, "describe_permission_set",
            InstanceArn=checker.platform.identity_center_instance_arn, PermissionSetArn=arn,
        )  # fmt: skip
    except aws.AwsError as error:
        return checker.failed(name, error, _fix(checker, error))
    label = found.get("PermissionSet", {}).get("Name", "")
    return Check(name, True, "exists" + (f" ({label})" if label else ""))
