"""Identity Center mode: how its steps reach AWS, and the groups step.

The groups meshaws keeps are rows of `IdentityCenterGroup`, by GroupId, so that a new name
pattern renames a group in place (UpdateGroup) and nothing attached to it is lost. A re-sync
that finds nothing changed reads one group per mapped project role (DescribeGroup).
The members are in `memberships`, the account assignments in `assignments`.
"""

from __future__ import annotations

from typing import Any

import aws
from replication.desired import DesiredGroup, DesiredIdentityCenter
from replication.models import IdentityCenterGroup, ReplicationStep

from .base import RunContext, StepFailed, StepResult

NOT_IDENTITY_CENTER = "the platform does not use IAM Identity Center"


def clients(ctx: RunContext) -> tuple[Any, Any]:
    """The identitystore and sso-admin clients in the instance's region, as the role that may.

    The delegated administrator's role (assumed by the service user) when the platform names
    one, else the organization root role's session.
    """
    center = ctx.desired.identity_center
    credentials = ctx.management
    if center.role_arn:
        credentials = aws.assumed_role(
            credentials=ctx.service_user(), role_arn=center.role_arn,
            external_id=center.external_id or None, session_name="meshaws-identity-center",
            region=ctx.access.region, endpoint_url=ctx.access.endpoint_url or None,
        )  # fmt: skip
    return (
        ctx.client("identitystore", credentials, region=center.region),
        ctx.client("sso-admin", credentials, region=center.region),
    )


def group_rows(ctx: RunContext, *, with_members: bool = False) -> dict[str, IdentityCenterGroup]:
    """The groups meshaws keeps for this account's project on its platform, by project role."""
    rows = IdentityCenterGroup.objects.filter(
        platform_id=ctx.account.platform_id, project_id=ctx.account.project_id
    )
    if with_members:
        rows = rows.prefetch_related("memberships")
    return {row.project_role: row for row in rows}


def not_applicable(ctx: RunContext) -> StepResult | None:
    """The skipped result of a step with nothing to do: not Identity Center mode, or no groups."""
    center = ctx.desired.identity_center
    if center is None:
        return StepResult(ReplicationStep.Status.SKIPPED, NOT_IDENTITY_CENTER)
    if not center.groups:
        return StepResult(
            ReplicationStep.Status.SKIPPED, "no project role is mapped to permission sets"
        )
    return None


# --- groups ---------------------------------------------------------------------------------


def groups(ctx: RunContext) -> StepResult:
    """Each mapped project role has its group, named from the pattern; renamed, never replaced."""
    skipped = not_applicable(ctx)
    if skipped is not None:
        return skipped
    center = ctx.desired.identity_center
    store, _ = clients(ctx)
    kept = group_rows(ctx)
    changes: list[str] = []
    for group in center.groups:
        row = kept.get(group.project_role)
        found = None
        if row is not None and row.identity_store_id == center.identity_store_id:
            found = _describe_group(store, center, row.group_id)
        if found is None:
            found, change = _find_or_create(store, center, group)
            changes.append(change)
        change = _update_group(store, center, found, group)
        if change:
            changes.append(change)
        _keep_group(ctx, row, group, found["GroupId"])
    if not changes:
        return StepResult(ReplicationStep.Status.OK, f"{len(center.groups)} groups as wanted")
    return StepResult(ReplicationStep.Status.CHANGED, "; ".join(changes))


def _describe_group(store, center: DesiredIdentityCenter, group_id: str) -> dict | None:
    """The group (DisplayName, Description), or None if the identity store has none of that id."""
    try:
        return aws.call(
            store, "describe_group", IdentityStoreId=center.identity_store_id, GroupId=group_id
        )
    except aws.AwsError as error:
        if error.code == "ResourceNotFoundException":
            return None
        raise


def _group_id_by_name(store, center: DesiredIdentityCenter, name: str) -> str | None:
    """The id of the identity store's group of that name (GetGroupId), or None."""
    try:
        return aws.call(
            store, "get_group_id", IdentityStoreId=center.identity_store_id,
            AlternateIdentifier={
                "UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": name}
            },
        )["GroupId"]  # fmt: skip
    except aws.AwsError as error:
        if error.code == "ResourceNotFoundException":
            return None
        raise


def _find_or_create(store, center: DesiredIdentityCenter, group: DesiredGroup) -> tuple[dict, str]:
    """The group found by its name (made before, or outside meshaws), else a new one."""
    group_id = _group_id_by_name(store, center, group.display_name)
    if group_id is not None:
        found = _describe_group(store, center, group_id)
        if found is not None:
            return found, f"found group {group.display_name}"
    try:
        group_id = aws.call(
            store, "create_group", IdentityStoreId=center.identity_store_id,
            DisplayName=group.display_name, Description=group.description,
        )["GroupId"]  # fmt: skip
    except aws.AwsError as error:
        if error.code != "ConflictException":
            raise
        # Made since GetGroupId: by another platform on this identity store, say.
        group_id = _group_id_by_name(store, center, group.display_name)
        if group_id is None:
            raise
        found = _describe_group(store, center, group_id)
        return found or {"GroupId": group_id}, f"found group {group.display_name}"
    made = {
        "GroupId": group_id,
        "DisplayName": group.display_name,
        "Description": group.description,
    }
    return made, f"created group {group.display_name}"


def _update_group(store, center: DesiredIdentityCenter, found: dict, group: DesiredGroup) -> str:
    """Rename the group or set its description, in place; what changed, or ""."""
    operations, changes = [], []
    current = found.get("DisplayName")
    if current != group.display_name:
        operations.append({"AttributePath": "displayName", "AttributeValue": group.display_name})
        changes.append(f"renamed group {current} to {group.display_name}")
    if found.get("Description") != group.description:
        operations.append({"AttributePath": "description", "AttributeValue": group.description})
        if not changes:
            changes.append(f"set the description of group {group.display_name}")
    if not operations:
        return ""
    try:
        aws.call(
            store, "update_group", IdentityStoreId=center.identity_store_id,
            GroupId=found["GroupId"], Operations=operations,
        )  # fmt: skip
    except aws.AwsError as error:
        if error.code == "ConflictException":
            raise StepFailed(
                f"group {current} cannot be renamed to {group.display_name}: another group of "
                f"identity store {center.identity_store_id} has that name; rename or delete "
                "that group, or change the group name pattern, then re-sync",
                operation=error.operation, code=error.code,
            ) from None  # fmt: skip
        raise
    return changes[0]


def _keep_group(
    ctx: RunContext, row: IdentityCenterGroup | None, group: DesiredGroup, group_id: str
) -> None:
    """Record the group's id and name (written only when they differ)."""
    center = ctx.desired.identity_center
    wanted = {
        "identity_store_id": center.identity_store_id, "group_id": group_id,
        "display_name": group.display_name,
    }  # fmt: skip
    if row is None:
        IdentityCenterGroup.objects.create(
            platform_id=ctx.account.platform_id, project_id=ctx.account.project_id,
            project_role=group.project_role, **wanted,
        )  # fmt: skip
        return
    if all(getattr(row, name) == value for name, value in wanted.items()):
        return
    if row.group_id != group_id:
        # Another group: the members recorded were members of the old one.
        row.memberships.all().delete()
    IdentityCenterGroup.objects.filter(pk=row.pk).update(**wanted)


# --- retirement -----------------------------------------------------------------------------


def delete_groups(ctx: RunContext) -> list[str]:
    """Retirement: each group meshaws keeps for the account's project, emptied and deleted;
    what changed. A group another platform's rows also keep (one identity store, one group
    name) stays as it is: only this platform's row of it is forgotten."""
    center = ctx.desired.identity_center
    rows = group_rows(ctx)
    if not rows:
        return []
    store, _ = clients(ctx)
    changes: list[str] = []
    for row in rows.values():
        shared = (
            IdentityCenterGroup.objects.filter(
                identity_store_id=row.identity_store_id, group_id=row.group_id
            )
            .exclude(pk=row.pk)
            .exists()
        )
        if shared:
            changes.append(f"left group {row.display_name}: another platform keeps it too")
        elif row.identity_store_id != center.identity_store_id:
            changes.append(
                f"left group {row.display_name}: it is in identity store "
                f"{row.identity_store_id}, no longer the platform's"
            )
        else:
            _delete_group(store, center, row.group_id)
            changes.append(f"deleted group {row.display_name}")
        row.delete()  # its recorded members with it
    return changes


def _delete_group(store, center: DesiredIdentityCenter, group_id: str) -> None:
    """Remove every member of the group, then the group (already gone is as good)."""
    try:
        for membership in aws.paginate(
            store, "list_group_memberships", "GroupMemberships",
            IdentityStoreId=center.identity_store_id, GroupId=group_id,
        ):  # fmt: skip
            aws.call(
                store, "delete_group_membership", IdentityStoreId=center.identity_store_id,
                MembershipId=membership["MembershipId"],
            )  # fmt: skip
        aws.call(store, "delete_group", IdentityStoreId=center.identity_store_id, GroupId=group_id)
    except aws.AwsError as error:
        if error.code != "ResourceNotFoundException":
            raise
