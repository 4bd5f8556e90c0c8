"""What a platform's earlier access mode left in AWS: listed on the account page, never deleted.

When a platform switches between SAML and IAM Identity Center (or to no single sign-on), the
old mode's steps skip from then on, and nothing deletes what they made. For each live account
of the platform this records what that was, as `LeftBehindResource` rows:

- SAML: the SAML provider and the IAM roles of the account's role mappings (its landing
  zone's own, else the platform's), in the account; only for accounts with an AWS account id,
  since there is nothing in an account not created yet.
- Identity Center: the groups of the account's project on the platform, with their members,
  and the account's assignments: the rows the steps keep of what they made.

Coming back to a mode forgets the rows of what its steps manage again; the rest stay listed.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q

from accounts.models import ProjectAccount
from accounts.selectors import project_accounts
from platforms.config_io import PlatformRecord, RoleMappingRecord
from platforms.models import PlatformInstance
from replication.models import IdentityCenterAssignment, IdentityCenterGroup, LeftBehindResource

AccessMode = PlatformInstance.AccessMode
Mode, Kind = LeftBehindResource.Mode, LeftBehindResource.Kind
State = IdentityCenterAssignment.State


def access_mode(record: PlatformRecord) -> str:
    """The record's access mode: Identity Center, SAML, or none (neither is configured)."""
    if record.identity_center is not None:
        return AccessMode.IDENTITY_CENTER
    if record.identity_provider_name:
        return AccessMode.SAML
    return AccessMode.NONE


def zone_role_mappings(record: PlatformRecord, zone: str) -> tuple[RoleMappingRecord, ...]:
    """The role mappings of the accounts in landing zone `zone`: its own, else the platform's."""
    for landing_zone in record.landing_zones:
        if landing_zone.identifier == zone and landing_zone.role_mappings is not None:
            return landing_zone.role_mappings
    return record.role_mappings


def left_behind_update(
    *, platform: PlatformInstance, before: PlatformRecord, after: PlatformRecord
) -> None:
    """On a change of the platform's access mode: forget what the new mode's steps manage
    again, and record what the old mode's made for each live account."""
    old, new = access_mode(before), access_mode(after)
    if old == new:
        return
    accounts = list(project_accounts().filter(platform=platform))
    if not accounts:
        return
    by_zone: dict[str, list[ProjectAccount]] = defaultdict(list)
    for account in accounts:
        by_zone[account.landing_zone.identifier].append(account)
    if new == AccessMode.SAML:
        _forget_saml(by_zone, after)
    elif new == AccessMode.IDENTITY_CENTER:
        _forget_identity_center(platform, by_zone, after)
    if old == AccessMode.SAML:
        rows = _saml_resources(by_zone, before)
    elif old == AccessMode.IDENTITY_CENTER:
        rows = _identity_center_resources(platform, accounts, before)
    else:
        rows = []
    # A row kept from an earlier switch keeps its date.
    LeftBehindResource.objects.bulk_create(rows, ignore_conflicts=True)


def _forget_saml(by_zone: dict[str, list[ProjectAccount]], after: PlatformRecord) -> None:
    """Forget the provider and the roles the SAML steps manage again under `after`."""
    for zone, accounts in by_zone.items():
        roles = {m.role_name for m in zone_role_mappings(after, zone) if m.role_name}
        LeftBehindResource.objects.filter(account__in=accounts, mode=Mode.SAML).filter(
            Q(kind=Kind.SAML_PROVIDER, name=after.identity_provider_name)
            | Q(kind=Kind.IAM_ROLE, name__in=roles)
        ).delete()


def _forget_identity_center(
    platform: PlatformInstance, by_zone: dict[str, list[ProjectAccount]], after: PlatformRecord
) -> None:
    """Forget the groups and assignments the Identity Center steps manage again under `after`.

    A group is managed again when its project role is mapped and it is in the same identity
    store; an assignment, when its permission set is of the same instance (the assignments
    step keeps it, or deletes it as no longer mapped).
    """
    center = after.identity_center
    instance = center.instance_arn.rsplit("/", 1)[-1]
    for zone, accounts in by_zone.items():
        mapped = {m.project_role for m in zone_role_mappings(after, zone) if m.permission_set_arns}
        group_ids = IdentityCenterGroup.objects.filter(
            platform=platform, project_id__in={account.project_id for account in accounts},
            project_role__in=mapped, identity_store_id=center.identity_store_id,
        ).values_list("group_id", flat=True)  # fmt: skip
        LeftBehindResource.objects.filter(account__in=accounts, mode=Mode.IDENTITY_CENTER).filter(
            Q(kind=Kind.GROUP, group_id__in=list(group_ids))
            | Q(kind=Kind.ASSIGNMENT, arn__contains=f":permissionSet/{instance}/")
        ).delete()


def _saml_resources(
    by_zone: dict[str, list[ProjectAccount]], before: PlatformRecord
) -> list[LeftBehindResource]:
    """The SAML provider and mapped IAM roles in each account that has an AWS account id."""
    provider = before.identity_provider_name
    rows = []
    for zone, accounts in by_zone.items():
        roles: dict[str, list[RoleMappingRecord]] = defaultdict(list)
        for mapping in zone_role_mappings(before, zone):
            if mapping.role_name:
                roles[mapping.role_name].append(mapping)
        for account in accounts:
            account_id = account.aws_account_id
            if not account_id:
                continue
            rows.append(
                LeftBehindResource(
                    account=account,
                    mode=Mode.SAML,
                    kind=Kind.SAML_PROVIDER,
                    name=provider,
                    arn=f"arn:aws:iam::{account_id}:saml-provider/{provider}",
                    detail="the identity provider the IAM roles below trust for sign-in",
                )  # fmt: skip
            )
            rows += [
                LeftBehindResource(
                    account=account,
                    mode=Mode.SAML,
                    kind=Kind.IAM_ROLE,
                    name=name,
                    arn=f"arn:aws:iam::{account_id}:role/{name}",
                    detail=_role_detail(mappings),
                )  # fmt: skip
                for name, mappings in sorted(roles.items())
            ]
    return rows


def _role_detail(mappings: list[RoleMappingRecord]) -> str:
    """The project roles that mapped to an IAM role, and the policies meshaws attached."""
    project_roles = ", ".join(m.project_role for m in mappings)
    policies = sorted({arn for m in mappings for arn in m.policy_arns})
    return f"project role {project_roles}; policies: {', '.join(policies) or 'none'}"


def _identity_center_resources(
    platform: PlatformInstance, accounts: list[ProjectAccount], before: PlatformRecord
) -> list[LeftBehindResource]:
    """The groups of each account's project, with their members, and the account's
    assignments, as the Identity Center steps recorded them."""
    groups: dict[int, list[IdentityCenterGroup]] = defaultdict(list)
    for group in (
        IdentityCenterGroup.objects.filter(
            platform=platform, project_id__in={account.project_id for account in accounts}
        )
        .prefetch_related("memberships")
        .order_by("project_role")
    ):
        groups[group.project_id].append(group)
    names = {group.group_id: group.display_name for found in groups.values() for group in found}
    assignments: dict[int, list[IdentityCenterAssignment]] = defaultdict(list)
    for assignment in IdentityCenterAssignment.objects.filter(account__in=accounts).order_by(
        "group_id", "permission_set_arn"
    ):
        assignments[assignment.account_id].append(assignment)
    instance = before.identity_center.instance_arn
    rows = []
    for account in accounts:
        for group in groups[account.project_id]:
            members = sorted(member.user_name for member in group.memberships.all())
            rows.append(
                LeftBehindResource(
                    account=account,
                    mode=Mode.IDENTITY_CENTER,
                    kind=Kind.GROUP,
                    name=group.display_name,
                    group_id=group.group_id,
                    detail=f"identity store {group.identity_store_id}; project role "
                    f"{group.project_role}; members: {', '.join(members) or 'none'}",
                )  # fmt: skip
            )
        for assignment in assignments[account.pk]:
            detail = f"instance {instance}; account {account.aws_account_id}"
            if assignment.state != State.PRESENT:
                detail += f"; AWS was still {assignment.get_state_display()} it"
            rows.append(
                LeftBehindResource(
                    account=account,
                    mode=Mode.IDENTITY_CENTER,
                    kind=Kind.ASSIGNMENT,
                    name=names.get(assignment.group_id, assignment.group_id),
                    arn=assignment.permission_set_arn,
                    group_id=assignment.group_id,
                    detail=detail,
                )  # fmt: skip
            )
    return rows
