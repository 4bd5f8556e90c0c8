"""Identity Center mode, in the identity store: the members of each group meshaws keeps.

The members meshaws keeps are rows of `IdentityCenterMembership`; user ids by user name are
rows of `IdentityCenterUser`, looked up once (GetUserId) and forgotten when AWS no longer
knows the id. A re-sync that finds nothing changed lists each group's memberships and makes
no call per user.
"""

from __future__ import annotations

import aws
from replication.desired import DesiredGroup, DesiredIdentityCenter
from replication.models import (
    IdentityCenterGroup,
    IdentityCenterMembership,
    IdentityCenterUser,
    ReplicationStep,
)

from .base import RunContext, StepResult
from .identity_center import clients, group_rows, not_applicable


class UserIds:
    """User ids by user name in one identity store: the database's, else GetUserId's (kept)."""

    def __init__(self, store, identity_store_id: str, names) -> None:
        self.store, self.identity_store_id = store, identity_store_id
        self.known = dict(
            IdentityCenterUser.objects.filter(
                identity_store_id=identity_store_id, user_name__in=list(names)
            ).values_list("user_name", "user_id")
        )
        self.looked_up: set[str] = set()

    def id_of(self, name: str) -> str | None:
        """The user's id, None if the identity store has no user of that name."""
        if name in self.known:
            return self.known[name]
        return self.look_up(name)

    def look_up(self, name: str) -> str | None:
        """Ask the identity store (GetUserId by userName) and keep the answer."""
        store = self.store
        try:
            user_id = aws.call(
                store, "get_user_id", IdentityStoreId=self.identity_store_id,
                AlternateIdentifier={
                    "UniqueAttribute": {"AttributePath": "userName", "AttributeValue": name}
                },
            )["UserId"]  # fmt: skip
        except aws.AwsError as error:
            if error.code != "ResourceNotFoundException":
                raise
            self.forget(name)
            return None
        self.looked_up.add(name)
        if self.known.get(name) != user_id:
            IdentityCenterUser.objects.update_or_create(
                identity_store_id=self.identity_store_id, user_name=name,
                defaults={"user_id": user_id},
            )  # fmt: skip
            self.known[name] = user_id
        return user_id

    def forget(self, name: str) -> None:
        """The id kept for `name` is wrong (the user was deleted, perhaps made again)."""
        if self.known.pop(name, None) is not None:
            IdentityCenterUser.objects.filter(
                identity_store_id=self.identity_store_id, user_name=name
            ).delete()

    def name_of(self, user_id: str) -> str:
        """The user name of a member meshaws did not add (DescribeUser), for the report."""
        store = self.store
        for name, known in self.known.items():
            if known == user_id:
                return name
        try:
            return aws.call(
                store, "describe_user", IdentityStoreId=self.identity_store_id, UserId=user_id
            )["UserName"]
        except aws.AwsError as error:
            if error.code != "ResourceNotFoundException":
                raise
            return f"user {user_id}"


def memberships(ctx: RunContext) -> StepResult:
    """Each group's members are exactly the users bound with its project role, not expired."""
    skipped = not_applicable(ctx)
    if skipped is not None:
        return skipped
    center = ctx.desired.identity_center
    store, _ = clients(ctx)
    kept = group_rows(ctx, with_members=True)
    users = UserIds(store, center.identity_store_id, {n for g in center.groups for n in g.members})
    report = _Report()
    for group in center.groups:
        _converge_members(store, center, kept[group.project_role], group, users, report)
    return report.result(len(center.groups))


class _Report:
    """What the memberships step changed and found, for its StepResult."""

    def __init__(self) -> None:
        self.added: list[str] = []
        self.removed: list[str] = []
        self.outside: list[str] = []
        self.unknown: set[str] = set()

    def result(self, group_count: int) -> StepResult:
        """Warning for unknown users, changed, or ok; the detail names every change."""
        counts = [
            (len(self.added), "added"), (len(self.removed), "removed"),
            (len(self.outside), "removed as added outside meshaws"),
        ]  # fmt: skip
        summary = ", ".join(f"{what} {count}" for count, what in counts if count)
        detail = [f"added {change}" for change in self.added]
        detail += [f"removed {change}" for change in self.removed]
        if self.outside:
            detail.append("removed members added outside meshaws: " + ", ".join(self.outside))
        if self.unknown:
            remark = f"IAM Identity Center has no user {', '.join(sorted(self.unknown))}"
            remark += f"; {summary} member(s)" if summary else ""
            return StepResult(ReplicationStep.Status.WARNING, remark, "; ".join(detail))
        if summary:
            return StepResult(
                ReplicationStep.Status.CHANGED, f"{summary} member(s)", "; ".join(detail)
            )
        return StepResult(
            ReplicationStep.Status.OK, f"the members of {group_count} groups as wanted"
        )


def _converge_members(
    store, center: DesiredIdentityCenter, row: IdentityCenterGroup, group: DesiredGroup,
    users: UserIds, report: _Report,
) -> None:  # fmt: skip
    """Add the wanted users the group lacks, remove every other member, record the members."""
    listed = {
        membership["MemberId"]["UserId"]: membership["MembershipId"]
        for membership in aws.paginate(
            store,
            "list_group_memberships",
            "GroupMemberships",
            IdentityStoreId=center.identity_store_id,
            GroupId=row.group_id,
        )  # fmt: skip
        if "UserId" in membership.get("MemberId", {})
    }
    recorded = {member.user_name: member for member in row.memberships.all()}
    members: dict[str, str] = {}  # wanted user name -> user id, once a member
    for name in group.members:
        kept = recorded.get(name)
        if kept is not None and kept.user_id in listed:
            members[name] = kept.user_id  # no per-user call when nothing changed
            continue
        user_id = users.id_of(name)
        if user_id is not None and user_id not in listed:
            user_id = _add_member(store, center, row, name, user_id, users)
            if user_id is not None:
                report.added.append(f"{name} to {row.display_name}")
        if user_id is None:
            report.unknown.add(name)
            continue
        members[name] = user_id
    ours = {member.user_id: name for name, member in recorded.items()}
    for user_id, membership_id in listed.items():
        if user_id in members.values():
            continue
        aws.call(
            store, "delete_group_membership", IdentityStoreId=center.identity_store_id,
            MembershipId=membership_id,
        )  # fmt: skip
        if user_id in ours:  # a binding removed or expired
            report.removed.append(f"{ours[user_id]} from {row.display_name}")
        else:
            report.outside.append(f"{users.name_of(user_id)} from {row.display_name}")
    _record_members(row, recorded, members)


def _add_member(
    store, center: DesiredIdentityCenter, row: IdentityCenterGroup, name: str, user_id: str,
    users: UserIds,
) -> str | None:  # fmt: skip
    """Make the user a member; its id, None if the identity store no longer knows the user."""
    for _ in range(2):
        try:
            aws.call(
                store, "create_group_membership", IdentityStoreId=center.identity_store_id,
                GroupId=row.group_id, MemberId={"UserId": user_id},
            )  # fmt: skip
            return user_id
        except aws.AwsError as error:
            if error.code == "ConflictException":
                return user_id  # a member since the list was read
            if error.code != "ResourceNotFoundException" or name in users.looked_up:
                raise
            # The kept id is stale (the user was deleted, perhaps made again): ask once more.
            users.forget(name)
            user_id = users.look_up(name)
            if user_id is None:
                return None
    return user_id


def _record_members(
    row: IdentityCenterGroup, recorded: dict[str, IdentityCenterMembership],
    members: dict[str, str],
) -> None:  # fmt: skip
    """Record the group's members (written only where they differ from what was recorded)."""
    gone = [m.pk for name, m in recorded.items() if members.get(name) != m.user_id]
    if gone:
        IdentityCenterMembership.objects.filter(pk__in=gone).delete()
    fresh = [
        IdentityCenterMembership(group=row, user_name=name, user_id=user_id)
        for name, user_id in members.items()
        if name not in recorded or recorded[name].user_id != user_id
    ]
    if fresh:
        IdentityCenterMembership.objects.bulk_create(fresh)
