"""The connection check: can meshaws reach a platform's AWS organization as configured?

An operator runs it (page or `manage.py check_platform`) before any project is replicated, to
find a wrong role ARN, external id, key pair, target OU or StackSet name, or in Identity
Center mode a wrong instance, identity store or permission set (identity_center.py). Every check is
reported; a check that needs an earlier one which failed is reported as skipped (failed).
Roles are assumed afresh each time (`aws.assume_role`, not the cached `assumed_role`), so a
fixed trust policy is seen at once. The first check says where the credentials came from
(stored keys, web identity or the default chain). Details never contain the service user's
keys or the privileged external id.
"""

from __future__ import annotations

from platforms import secrets
from platforms.access import platform_access

from .checks import (
    ASSUME_AUTOMATION,
    ASSUME_MANAGEMENT,
    CREDENTIALS,
    LIST_ROOTS,
    Check,
    Checker,
    skipped,
)
from .identity_center import (
    ASSUME_IDENTITY_CENTER,
    IDENTITY_STORE,
    INSTANCE,
    identity_center_checks,
    permission_set_check,
    skipped_identity_center_checks,
)

__all__ = [
    "ASSUME_AUTOMATION",
    "ASSUME_IDENTITY_CENTER",
    "ASSUME_MANAGEMENT",
    "CREDENTIALS",
    "IDENTITY_STORE",
    "INSTANCE",
    "LIST_ROOTS",
    "Check",
    "check_platform",
    "permission_set_check",
]


def check_platform(platform) -> list[Check]:
    """Every check of `platform`, in order: roles, organization, each landing zone, then
    Identity Center (in that mode)."""
    try:
        access = platform_access(platform)
    except secrets.SecretUnreadable:
        return [
            Check(
                CREDENTIALS, False, "the stored secrets cannot be decrypted",
                fix="set the encryption keys the secrets were stored with, or store the "
                "secrets again",
            ),
            skipped(ASSUME_MANAGEMENT, CREDENTIALS),
            skipped(LIST_ROOTS, ASSUME_MANAGEMENT),
            skipped(ASSUME_AUTOMATION, CREDENTIALS),
            *(
                skipped_identity_center_checks(platform, CREDENTIALS)
                if platform.identity_center_instance_arn
                else []
            ),
        ]  # fmt: skip
    checker = Checker(platform, access)
    check, service_user = checker.credentials()
    checks: list[Check] = [check]

    check, management = checker.assume(
        ASSUME_MANAGEMENT, "management", access.management_role, access.management_external_id,
        service_user,
    )  # fmt: skip
    checks.append(check)

    roots = None
    if management is None:
        checks.append(skipped(LIST_ROOTS, ASSUME_MANAGEMENT))
    else:
        check, roots = checker.list_roots(management)
        checks.append(check)

    check, automation = checker.assume(
        ASSUME_AUTOMATION, "automation", access.automation_role, access.automation_external_id,
        service_user,
    )  # fmt: skip
    checks.append(check)

    for zone in platform.landing_zones.all():
        checks.append(checker.target(zone, management, roots))
        stack_check = checker.stack_set(zone, automation)
        if stack_check is not None:
            checks.append(stack_check)
    if platform.identity_center_instance_arn:
        checks += identity_center_checks(checker, service_user, management)
    return checks
