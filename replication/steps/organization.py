"""Steps in the management account: validate, connect, external-avm, tags, OU.

The account step, between connect and external-avm, is in `creation`.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.core.exceptions import ValidationError

import aws
from platforms import patterns
from replication.models import ReplicationStep

from .base import Deadline, RunContext, StepFailed, StepResult, StepWaiting
from .creation import poll_delay


def validate(ctx: RunContext) -> StepResult:
    """The configuration and the account's names still pass every rule."""
    desired = ctx.desired
    checks = [("alias", patterns.validate_account_alias, desired.alias)] if desired.alias else []
    if desired.email:
        checks.append(("e-mail", patterns.validate_account_email, desired.email))
    checks.append(("target OU", patterns.validate_target_ou, desired.target_ou))
    # A platform stored before paths were refused would fail at CreateAccount otherwise.
    checks.append(("access role", patterns.validate_access_role_name, desired.access_role))
    for role in desired.roles:
        checks.append((f"role {role.name}", patterns.validate_role_name, role.name))
    center = desired.identity_center
    if center is not None:
        checks.append(("instance", patterns.validate_instance_arn, center.instance_arn))
        checks.append(
            ("identity store", patterns.validate_identity_store_id, center.identity_store_id)
        )
        ours = partial(patterns.validate_permission_set_arn, instance_arn=center.instance_arn)
        for group in center.groups:
            for arn in group.permission_set_arns:
                checks.append((f"permission set of {group.project_role}", ours, arn))
    for what, validator, value in checks:
        try:
            validator(value)
        except ValidationError as error:
            raise StepFailed(f"{what} {value!r}: {' '.join(error.messages)}") from None
    return StepResult(ReplicationStep.Status.OK, f"{len(checks)} names checked")


def connect(ctx: RunContext) -> StepResult:
    """Assume the management account's role with the service user's keys."""
    ctx.management = aws.assumed_role(
        credentials=ctx.service_user(),
        role_arn=ctx.access.management_role,
        external_id=ctx.access.management_external_id or None,
        session_name="meshaws-replication",
        region=ctx.access.region,
        endpoint_url=ctx.access.endpoint_url or None,
    )
    return StepResult(ReplicationStep.Status.OK, f"assumed {ctx.access.management_role}")


def external_avm(ctx: RunContext) -> StepResult:
    """With waitForExternalAvm: the external AVM has tagged the account as ours."""
    if not ctx.desired.wait_for_external_avm:
        return StepResult(ReplicationStep.Status.SKIPPED, "waitForExternalAvm is off")
    org = ctx.organizations()
    tags = {
        t["Key"]: t["Value"]
        for t in aws.paginate(org, "list_tags_for_resource", "Tags", ResourceId=ctx.account_id)
    }
    customer_key, project_key = ctx.desired.avm_tag_keys
    if (
        tags.get(customer_key) == ctx.desired.customer
        and tags.get(project_key) == ctx.desired.project
    ):
        return StepResult(ReplicationStep.Status.OK, "the external AVM has finished")
    minutes = ctx.desired.external_avm_timeout_minutes
    raise StepWaiting(
        "waiting for the external AVM to tag the account",
        poll_delay(ctx.wait_began("external-avm")),
        deadline=Deadline(
            "external-avm", timedelta(minutes=minutes),
            f"the external AVM did not tag the account ({customer_key}, {project_key}) within "
            f"{minutes} minutes; check the vending machine",
        ),
    )  # fmt: skip


def tags(ctx: RunContext) -> StepResult:
    """The account's tags under the tag prefix are exactly meshaws' (others untouched)."""
    org = ctx.organizations()
    current = {
        t["Key"]: t["Value"]
        for t in aws.paginate(org, "list_tags_for_resource", "Tags", ResourceId=ctx.account_id)
    }
    desired = ctx.desired.tags
    missing = {k: v for k, v in desired.items() if current.get(k) != v}
    prefix = ctx.desired.tag_prefix
    # Without a prefix meshaws cannot tell its own tags from others': it removes none.
    stale = [k for k in current if prefix and k.startswith(prefix) and k not in desired]
    if missing:
        aws.call(
            org, "tag_resource", ResourceId=ctx.account_id,
            Tags=[{"Key": k, "Value": v} for k, v in missing.items()],
        )  # fmt: skip
    if stale:
        aws.call(org, "untag_resource", ResourceId=ctx.account_id, TagKeys=stale)
    # Only the tags meshaws decides (its prefix's, or the wanted ones without a prefix).
    ours = {k: v for k, v in current.items() if k in desired or (prefix and k.startswith(prefix))}
    ctx.observe("tags", {**{k: v for k, v in ours.items() if k not in stale}, **missing}, desired)
    if not missing and not stale:
        return StepResult(ReplicationStep.Status.OK, f"{len(desired)} tags as wanted")
    return StepResult(
        ReplicationStep.Status.CHANGED, f"set {len(missing)} tag(s), removed {len(stale)}",
        detail=f"set: {sorted(missing)}; removed: {sorted(stale)}",
    )  # fmt: skip


def organizational_unit(ctx: RunContext) -> StepResult:
    """The account sits in its landing zone's OU, or below it when the platform allows that."""
    org = ctx.organizations()
    parents = aws.call(org, "list_parents", ChildId=ctx.account_id)["Parents"]
    current = parents[0]["Id"] if parents else ""
    target = ctx.desired.target_ou
    if current == target:
        ctx.observe("ou", current, target)
        return StepResult(ReplicationStep.Status.OK, f"in {target}")
    hierarchical = ctx.desired.allow_hierarchical_ou_assignment
    if hierarchical and parents and _is_below(org, parents[0], target):
        # Below the wanted OU is where the platform allows it to be: not a difference.
        ctx.observe("ou", current, current)
        return StepResult(
            ReplicationStep.Status.OK,
            f"stays in {current}, an OU below {target} (hierarchical OU assignment)",
        )
    aws.call(
        org, "move_account", AccountId=ctx.account_id, SourceParentId=current,
        DestinationParentId=target,
    )  # fmt: skip
    ctx.observe("ou", target, target)
    return StepResult(ReplicationStep.Status.CHANGED, f"moved from {current} to {target}")


# OUs nest at most 5 levels below the root: a longer walk means the answers are wrong.
MAX_OU_DEPTH = 5


def _is_below(org, parent: dict, target: str) -> bool:
    """Whether the OU `parent` (a ListParents entry) is `target` or inside it.

    Walks up with ListParents, one call per level, and stops at the target or the root.
    """
    for _ in range(MAX_OU_DEPTH + 1):
        if parent["Id"] == target:
            return True
        if parent["Type"] != "ORGANIZATIONAL_UNIT":  # the root: the target was not on the way
            return False
        parents = aws.call(org, "list_parents", ChildId=parent["Id"])["Parents"]
        if not parents:
            return False
        parent = parents[0]
    return False
