"""The steps of a retirement run (after validate and connect): find the account, revoke the
access meshaws gave, remove its tags, move it to the retired OU, close it, finish.

The account is found as a creation finds it (`creation.find_existing`), never created: a
project account for which no AWS account was ever made skips the AWS steps and ends deleted.
Each step reads first and changes only what differs, so a retirement is safe to repeat.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

import aws
from accounts.models import ProjectAccount
from accounts.services import retirement_complete
from platforms import patterns
from replication.models import ReplicationStep

from . import assignments, creation, identity_center, member
from .base import Deadline, RunContext, StepFailed, StepResult, StepWaiting

NOTHING_MADE = "no AWS account was ever made for it: nothing to retire in AWS"
# AWS's states of a closed account: SUSPENDED for 90 days (reopened through AWS Support only),
# then CLOSED. Nobody can sign in to such an account, nor can meshaws assume a role in it.
CLOSED_STATES = ("SUSPENDED", "CLOSED")
NOT_OPEN = (*CLOSED_STATES, "PENDING_CLOSURE")
# AWS closes an account "in a few minutes": polled as creations are (creation.poll_delay);
# one still PENDING_CLOSURE after a day fails the run (the next run waits again, never closing
# it twice).
CLOSURE_TIMEOUT = timedelta(days=1)
# AWS closes 10 % of an organization's member accounts, between 10 and 1,000, in a rolling
# 30 days (CloseAccount, API reference): past that, try again daily.
CLOSE_QUOTA_RETRY = timedelta(days=1)
CLOSE_QUOTA_USED_UP = (
    "AWS's closure quota is used up for this organization; meshaws tries again tomorrow"
)
# CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED: too many closures at a time in the organization.
CLOSE_BUSY_RETRY = timedelta(minutes=15)


def _nothing_made(ctx: RunContext) -> StepResult | None:
    if ctx.account_id:
        return None
    return StepResult(ReplicationStep.Status.SKIPPED, NOTHING_MADE)


def account(ctx: RunContext) -> StepResult:
    """The AWS account this project account made, if any, and its state; never a new one."""
    org = ctx.organizations()
    creation.read_organization(ctx, org)
    found = creation.find_existing(ctx, org)
    if found is None:
        return StepResult(ReplicationStep.Status.SKIPPED, NOTHING_MADE)
    if "state" not in ctx.notes:  # found by a request or by e-mail: its state as of now
        ctx.notes["state"] = creation.describe_known(ctx, org).get("State", "")
    return found


def revoke_access(ctx: RunContext) -> StepResult:
    """Nobody signs in through what meshaws made: the mapped roles' trust denies the SAML
    provider (SAML mode); the account assignments and meshaws' groups are gone (Identity
    Center mode)."""
    skipped = _nothing_made(ctx)
    if skipped is not None:
        return skipped
    if ctx.desired.identity_center is not None:
        changes = assignments.remove_all(ctx)  # StepWaiting until AWS has removed them
        changes = "; ".join(filter(None, [changes, *identity_center.delete_groups(ctx)]))
        if not changes:
            return StepResult(
                ReplicationStep.Status.OK, "no account assignment or group of meshaws' left"
            )
        return StepResult(ReplicationStep.Status.CHANGED, changes)
    if not ctx.desired.saml_provider_name or not ctx.desired.roles:
        return StepResult(
            ReplicationStep.Status.SKIPPED, "the platform gives no access through meshaws"
        )
    state = ctx.notes.get("state", "")
    if state in NOT_OPEN:
        return StepResult(
            ReplicationStep.Status.SKIPPED, f"the account is {state}: nobody can sign in to it"
        )
    return member.revoke_roles(ctx)


def untag(ctx: RunContext) -> StepResult:
    """The tags meshaws sets, and every tag under the platform's tag prefix, are removed."""
    skipped = _nothing_made(ctx)
    if skipped is not None:
        return skipped
    org = ctx.organizations()
    current = [
        t["Key"]
        for t in aws.paginate(org, "list_tags_for_resource", "Tags", ResourceId=ctx.account_id)
    ]
    prefix = ctx.desired.tag_prefix
    # Without a prefix only the tags meshaws sets are known to be its own.
    ours = sorted(k for k in current if (prefix and k.startswith(prefix)) or k in ctx.desired.tags)
    if not ours:
        return StepResult(ReplicationStep.Status.OK, "no tag of meshaws' left")
    aws.call(org, "untag_resource", ResourceId=ctx.account_id, TagKeys=ours)
    return StepResult(
        ReplicationStep.Status.CHANGED, f"removed {len(ours)} tag(s)", detail=f"removed: {ours}"
    )


def retire_ou(ctx: RunContext) -> StepResult:
    """With the landing zone's retiredOrganizationalUnit, the account is moved there."""
    skipped = _nothing_made(ctx)
    if skipped is not None:
        return skipped
    zone = ctx.account.landing_zone
    target = zone.retired_organizational_unit
    if not target:
        return StepResult(
            ReplicationStep.Status.SKIPPED,
            f"landing zone {zone.identifier} has no retiredOrganizationalUnit: the account "
            "stays where it is",
        )  # fmt: skip
    try:
        patterns.validate_target_ou(target)
    except ValidationError as error:
        raise StepFailed(
            f"retired OU {target!r} of landing zone {zone.identifier}: {' '.join(error.messages)}"
        ) from None
    org = ctx.organizations()
    parents = aws.call(org, "list_parents", ChildId=ctx.account_id)["Parents"]
    current = parents[0]["Id"] if parents else ""
    if current == target:
        return StepResult(ReplicationStep.Status.OK, f"in {target}")
    try:
        aws.call(
            org, "move_account", AccountId=ctx.account_id, SourceParentId=current,
            DestinationParentId=target,
        )  # fmt: skip
    except aws.AwsError as error:
        if error.code == "DuplicateAccountException":  # moved there since ListParents
            return StepResult(ReplicationStep.Status.OK, f"in {target}")
        if error.code == "DestinationParentNotFoundException":
            raise StepFailed(
                f"the organization has no OU {target}: correct the retiredOrganizationalUnit "
                f"of landing zone {zone.identifier}, then re-sync",
                operation=error.operation, code=error.code,
            ) from None  # fmt: skip
        raise
    return StepResult(ReplicationStep.Status.CHANGED, f"moved from {current} to {target}")


def close(ctx: RunContext) -> StepResult:
    """With the landing zone's closeAccountOnDeletion, the account is closed (CloseAccount),
    and the run waits until AWS reports it SUSPENDED or CLOSED."""
    skipped = _nothing_made(ctx)
    if skipped is not None:
        return skipped
    zone = ctx.account.landing_zone
    if not zone.close_account_on_deletion:
        return StepResult(
            ReplicationStep.Status.SKIPPED,
            f"landing zone {zone.identifier} has closeAccountOnDeletion off: the account "
            "stays open",
        )  # fmt: skip
    org = ctx.organizations()
    # `State` only: AWS retired `Status` on 2026-09-09.
    state = creation.describe_known(ctx, org).get("State", "")
    if state in CLOSED_STATES:
        return StepResult(ReplicationStep.Status.OK, f"account {ctx.account_id} is {state}")
    if state == "PENDING_CLOSURE":
        raise _closing(ctx, "AWS is closing the account (PENDING_CLOSURE)")
    try:
        aws.call(org, "close_account", AccountId=ctx.account_id)
    except aws.AwsError as error:
        if error.code == "AccountAlreadyClosedException":  # closed since DescribeAccount
            raise _closing(ctx, "the account's closure was requested already") from None
        if error.code == "ConstraintViolationException":
            _refused_closure(ctx, error)
        raise
    raise _closing(ctx, "closure requested (CloseAccount)")


def _closing(ctx: RunContext, remark: str) -> StepWaiting:
    """Park the run until AWS reports the account SUSPENDED (polls as for a creation)."""
    hours = int(CLOSURE_TIMEOUT.total_seconds() // 3600)
    return StepWaiting(
        f"{remark}; waiting until AWS reports it SUSPENDED",
        creation.poll_delay(ctx.wait_began("closure")),
        deadline=Deadline(
            "closure", CLOSURE_TIMEOUT,
            f"AWS has not closed account {ctx.account_id} within {hours} hours (it is still "
            "PENDING_CLOSURE); re-sync later to check again, or ask AWS Support",
        ),
    )  # fmt: skip


def _refused_closure(ctx: RunContext, error: aws.AwsError) -> None:
    """AWS's limits on closing accounts park the run; closing the management account fails."""
    if error.reason == "CLOSE_ACCOUNT_QUOTA_EXCEEDED":
        raise StepWaiting(CLOSE_QUOTA_USED_UP, CLOSE_QUOTA_RETRY, quota="close-quota") from None
    if error.reason == "CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED":
        minutes = int(CLOSE_BUSY_RETRY.total_seconds() // 60)
        raise StepWaiting(
            "AWS is closing as many of this organization's accounts as it allows at a time; "
            f"meshaws tries again in {minutes} minutes",
            CLOSE_BUSY_RETRY, quota="close-requests",
        ) from None  # fmt: skip
    if error.reason == "CANNOT_CLOSE_MANAGEMENT_ACCOUNT":
        raise StepFailed(
            f"AWS account {ctx.account_id} is the organization's management account, which "
            "cannot be closed; detach the project account instead",
            operation=error.operation, code=error.reason,
        ) from None  # fmt: skip


def finish(ctx: RunContext) -> StepResult:
    """The retirement is over: the project account is deleted, its AWS account id and its
    history kept (accounts.services.retirement_complete, audited)."""
    retirement_complete(account=ctx.account)
    with transaction.atomic():
        ProjectAccount.objects.filter(pk=ctx.account.pk).update(
            status=ProjectAccount.Status.READY, last_run_at=timezone.now()
        )
    retired = f"AWS account {ctx.account_id}" if ctx.account_id else "no AWS account"
    return StepResult(
        ReplicationStep.Status.OK, f"retired ({retired}); the project account is deleted"
    )
