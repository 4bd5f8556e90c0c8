"""Identity Center mode: the account assignments of meshaws' groups to their permission sets.

AWS creates and deletes assignments asynchronously. Each one meshaws asks for is a row of
`IdentityCenterAssignment`, written before the request (so a crash never loses one) with the
request id once AWS answers; the next attempt polls the requests still in progress
(DescribeAccountAssignmentCreationStatus / DeletionStatus), the run parked in between.
Assignments of a meshaws group to a permission set no longer mapped are deleted; only those
meshaws asked for are ever deleted. A re-sync that finds nothing changed lists the
assignments of each mapped permission set on the account, and writes nothing.
"""

from __future__ import annotations

from datetime import timedelta

import aws
from replication.models import IdentityCenterAssignment, ReplicationStep

from .base import Deadline, RunContext, StepFailed, StepResult, StepWaiting
from .creation import poll_delay
from .identity_center import NOT_IDENTITY_CENTER, clients, group_rows

State = IdentityCenterAssignment.State
# Assignments usually take seconds; one still in progress after this long fails the run (the
# next run follows the same request).
ASSIGNMENT_TIMEOUT = timedelta(minutes=30)
# A group and a permission set: one account assignment of this account.
Key = tuple[str, str]


def assignments(ctx: RunContext) -> StepResult:
    """Each group has each mapped permission set on the account, and no other meshaws made."""
    center = ctx.desired.identity_center
    if center is None:
        return StepResult(ReplicationStep.Status.SKIPPED, NOT_IDENTITY_CENTER)
    kept = group_rows(ctx)
    names = {row.group_id: row.display_name for row in kept.values()}
    wanted = {
        (kept[group.project_role].group_id, arn)
        for group in center.groups
        if group.project_role in kept
        for arn in group.permission_set_arns
    }
    rows = {
        (r.group_id, r.permission_set_arn): r for r in ctx.account.identity_center_assignments.all()
    }
    if not wanted and not rows:
        return StepResult(
            ReplicationStep.Status.SKIPPED, "no project role is mapped to permission sets"
        )
    _, sso = clients(ctx)
    work = _Assignments(ctx, sso, center.instance_arn, rows, names)
    in_progress = work.follow_requests()
    if in_progress:
        raise work.waiting("; ".join([*work.changes, f"{in_progress} request(s) in progress"]))
    present = work.present({arn for _, arn in wanted | rows.keys()})
    for key in sorted(wanted - present):
        work.create(key)
    for key in sorted(wanted & present):
        work.mark_present(key)
    for key in sorted(rows.keys() - wanted):
        work.delete(key, listed=key in present)
    if work.in_progress:
        raise work.waiting("; ".join(work.changes))
    if not work.changes:
        return StepResult(ReplicationStep.Status.OK, f"{len(wanted)} account assignments as wanted")
    return StepResult(ReplicationStep.Status.CHANGED, "; ".join(work.changes))


def remove_all(ctx: RunContext) -> str:
    """Retirement: every assignment of meshaws' groups on the account is deleted, followed to
    its end (StepWaiting meanwhile); what changed, "" if there was none."""
    center = ctx.desired.identity_center
    kept = group_rows(ctx)
    names = {row.group_id: row.display_name for row in kept.values()}
    rows = {
        (r.group_id, r.permission_set_arn): r for r in ctx.account.identity_center_assignments.all()
    }
    if not kept and not rows:
        return ""
    _, sso = clients(ctx)
    work = _Assignments(ctx, sso, center.instance_arn, rows, names)
    in_progress = work.follow_requests()
    if in_progress:
        raise work.waiting("; ".join([*work.changes, f"{in_progress} request(s) in progress"]))
    mapped = {arn for group in center.groups for arn in group.permission_set_arns}
    listed = work.present({arn for _, arn in rows} | mapped)
    # Ours: what meshaws asked for, and any assignment of its groups on this account.
    present = {key for key in listed if key in rows or key[0] in names}
    for key in sorted(present):
        work.mark_present(key)
    for key in sorted(work.rows):
        work.delete(key, listed=key in present)
    if work.in_progress:
        raise work.waiting("; ".join(work.changes))
    return "; ".join(work.changes)


class _Assignments:
    """One attempt's work on the account's assignments: requests, what AWS lists, changes."""

    def __init__(self, ctx: RunContext, sso, instance_arn: str, rows, names) -> None:
        self.ctx, self.sso, self.instance_arn = ctx, sso, instance_arn
        self.rows: dict[Key, IdentityCenterAssignment] = rows
        self.names: dict[str, str] = names
        self.changes: list[str] = []
        self.in_progress = 0

    def what(self, key: Key) -> str:
        """The assignment in words: permission set and group."""
        group_id, arn = key
        return f"{arn.rsplit('/', 1)[-1]} for group {self.names.get(group_id, group_id)}"

    # Requests of an earlier attempt.

    def follow_requests(self) -> int:
        """Poll the requests AWS was still working on; how many still are."""
        still = 0
        for key, row in list(self.rows.items()):
            if not row.request_id:
                continue
            try:
                status = self._status(row)
            except aws.AwsError as error:
                if error.code != "ResourceNotFoundException":
                    raise
                # AWS forgot the request: what it lists decides (below).
                self._save(row, request_id="")
                continue
            verb = "assigned" if row.state == State.CREATING else "removed"
            if self._settle(key, row, status):
                still += 1
            else:
                self.changes.append(f"{verb} {self.what(key)}")
        return still

    def _status(self, row: IdentityCenterAssignment) -> dict:
        """The status of the row's creation or deletion request, as AWS describes it now."""
        sso = self.sso
        if row.state == State.CREATING:
            return aws.call(
                sso, "describe_account_assignment_creation_status",
                InstanceArn=self.instance_arn, AccountAssignmentCreationRequestId=row.request_id,
            )["AccountAssignmentCreationStatus"]  # fmt: skip
        return aws.call(
            sso, "describe_account_assignment_deletion_status",
            InstanceArn=self.instance_arn, AccountAssignmentDeletionRequestId=row.request_id,
        )["AccountAssignmentDeletionStatus"]  # fmt: skip

    def _settle(self, key: Key, row: IdentityCenterAssignment, status: dict) -> int:
        """Act on a request's status: 1 while in progress; FAILED raises StepFailed."""
        state = status.get("Status")
        creating = row.state == State.CREATING
        if state == "IN_PROGRESS":
            if status.get("RequestId") and status["RequestId"] != row.request_id:
                self._save(row, request_id=status["RequestId"])
            return 1
        if state == "SUCCEEDED":
            if creating:
                self._save(row, state=State.PRESENT, request_id="")
            else:
                row.delete()
                self.rows.pop(key)
            return 0
        # FAILED: forget the request, so that the next run asks again.
        if creating:
            row.delete()
            self.rows.pop(key)
        else:
            self._save(row, state=State.PRESENT, request_id="")
        operation = "CreateAccountAssignment" if creating else "DeleteAccountAssignment"
        verb = "assign" if creating else "remove"
        raise StepFailed(
            f"IAM Identity Center could not {verb} {self.what(key)}: "
            f"{status.get('FailureReason') or 'AWS gives no reason'}",
            operation=operation, code=state or "FAILED",
        )  # fmt: skip

    # What AWS lists, and the changes.

    def present(self, permission_set_arns) -> set[Key]:
        """The group assignments AWS lists on the account for these permission sets."""
        sso = self.sso
        found: set[Key] = set()
        for arn in sorted(permission_set_arns):
            for assignment in aws.paginate(
                sso, "list_account_assignments", "AccountAssignments",
                InstanceArn=self.instance_arn, AccountId=self.ctx.account_id,
                PermissionSetArn=arn,
            ):  # fmt: skip
                if assignment.get("PrincipalType") == "GROUP":
                    found.add((assignment["PrincipalId"], arn))
        return found

    def create(self, key: Key) -> None:
        """Ask AWS for the assignment, recorded first."""
        sso = self.sso
        row = self._intend(key, State.CREATING)
        group_id, arn = key
        try:
            status = aws.call(
                sso, "create_account_assignment", InstanceArn=self.instance_arn,
                TargetId=self.ctx.account_id, TargetType="AWS_ACCOUNT", PermissionSetArn=arn,
                PrincipalType="GROUP", PrincipalId=group_id,
            )["AccountAssignmentCreationStatus"]  # fmt: skip
        except aws.AwsError as error:
            if error.code != "ConflictException":
                raise
            # Another change of this permission set is still settling in AWS: ask again soon.
            self.in_progress += 1
            self.changes.append(f"assigning {self.what(key)} must wait ({error.code})")
            return
        self._save(row, request_id=status.get("RequestId", ""))
        self.changes.append(f"assigned {self.what(key)}")
        self.in_progress += self._settle(key, row, status)

    def mark_present(self, key: Key) -> None:
        """AWS lists a wanted assignment: record it (a creation that ended unseen, say)."""
        row = self.rows.get(key)
        if row is None:
            self.rows[key] = IdentityCenterAssignment.objects.create(
                account=self.ctx.account, group_id=key[0], permission_set_arn=key[1],
                state=State.PRESENT,
            )  # fmt: skip
        elif row.state != State.PRESENT or row.request_id:
            self._save(row, state=State.PRESENT, request_id="")

    def delete(self, key: Key, *, listed: bool) -> None:
        """Delete an assignment meshaws made that is no longer mapped; forget it once gone."""
        sso = self.sso
        row = self.rows[key]
        if not listed:
            row.delete()
            self.rows.pop(key)
            return
        self._save(row, state=State.DELETING, request_id="")
        group_id, arn = key
        try:
            status = aws.call(
                sso, "delete_account_assignment", InstanceArn=self.instance_arn,
                TargetId=self.ctx.account_id, TargetType="AWS_ACCOUNT", PermissionSetArn=arn,
                PrincipalType="GROUP", PrincipalId=group_id,
            )["AccountAssignmentDeletionStatus"]  # fmt: skip
        except aws.AwsError as error:
            if error.code == "ResourceNotFoundException":
                row.delete()
                self.rows.pop(key)
                return
            if error.code != "ConflictException":
                raise
            self.in_progress += 1
            self.changes.append(f"removing {self.what(key)} must wait ({error.code})")
            return
        self._save(row, request_id=status.get("RequestId", ""))
        self.changes.append(f"removed {self.what(key)}")
        self.in_progress += self._settle(key, row, status)

    def _intend(self, key: Key, state: str) -> IdentityCenterAssignment:
        """The assignment's row, in `state` with no request yet: written before asking AWS."""
        row = self.rows.get(key)
        if row is None:
            row = IdentityCenterAssignment.objects.create(
                account=self.ctx.account, group_id=key[0], permission_set_arn=key[1], state=state
            )
            self.rows[key] = row
        elif row.state != state or row.request_id:
            self._save(row, state=state, request_id="")
        return row

    def _save(self, row: IdentityCenterAssignment, **fields) -> None:
        """Write these fields of the row at once (a crash must not lose a request id)."""
        for name, value in fields.items():
            setattr(row, name, value)
        IdentityCenterAssignment.objects.filter(pk=row.pk).update(**fields)

    def waiting(self, remark: str) -> StepWaiting:
        """Park the run while IAM Identity Center works, polling less often as it goes on."""
        minutes = int(ASSIGNMENT_TIMEOUT.total_seconds() // 60)
        delay = poll_delay(self.ctx.wait_began("assignments"))
        return StepWaiting(
            f"{remark}; waiting for IAM Identity Center", delay,
            deadline=Deadline(
                "assignments", ASSIGNMENT_TIMEOUT,
                f"IAM Identity Center did not finish this account's assignments within {minutes} "
                "minutes; re-sync later to follow the same requests",
            ),
        )  # fmt: skip
