"""Steps after the account is set up: the bootstrap stack instance, and finishing the run."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

import aws
from platforms import patterns
from platforms.models import LandingZone
from replication.models import ReplicationStep

from .base import Deadline, RunContext, StepFailed, StepResult, StepWaiting

# StackSet operations are polled from 20 s, backing off to 2 minutes; one that has not ended
# after an hour (queued behind others, or stuck) fails the run, and the next run checks again.
OPERATION_POLL = timedelta(seconds=20)
OPERATION_POLL_MAX = timedelta(minutes=2)
OPERATION_TIMEOUT = timedelta(hours=1)
# DescribeStackSetOperation's Status while the operation is not over.
OPERATION_BUSY = ("RUNNING", "QUEUED", "STOPPING")
# A stack instance's StackInstanceStatus.DetailedStatus: an operation works on it, or it broke.
INSTANCE_BUSY = ("PENDING", "RUNNING")
INSTANCE_BROKEN = (
    "FAILED",
    "CANCELLED",
    "INOPERABLE",
    "SKIPPED_SUSPENDED_ACCOUNT",
    "FAILED_IMPORT",
)


def _automation(ctx: RunContext, region: str):
    credentials = aws.assumed_role(
        credentials=ctx.service_user(),
        role_arn=ctx.access.automation_role,
        external_id=ctx.access.automation_external_id or None,
        session_name="meshaws-bootstrap",
        region=ctx.access.region,
        endpoint_url=ctx.access.endpoint_url or None,
    )
    return ctx.client("cloudformation", credentials, region=region)


def _describe(cloudformation, name: str) -> dict | None:
    try:
        return aws.call(cloudformation, "describe_stack_set", StackSetName=name)["StackSet"]
    except aws.AwsError as error:
        if error.code == "StackSetNotFoundException":
            return None
        raise


def _keep_own_stack_set(ctx: RunContext, cloudformation) -> str:
    """meshaws' own StackSet exists with the landing zone's current template; what changed."""
    stack = ctx.desired.stack
    found = _describe(cloudformation, stack.stack_set_name)
    if found is not None and found.get("TemplateBody", "").strip() == stack.template.strip():
        return ""
    # One run per landing zone creates or updates it; the others find it current.
    with transaction.atomic():
        LandingZone.objects.select_for_update().filter(pk=ctx.account.landing_zone_id).first()
        found = _describe(cloudformation, stack.stack_set_name)
        if found is None:
            aws.call(
                cloudformation, "create_stack_set", StackSetName=stack.stack_set_name,
                TemplateBody=stack.template, PermissionModel="SELF_MANAGED",
                Capabilities=["CAPABILITY_NAMED_IAM"],
                Description=f"meshaws bootstrap of landing zone {ctx.account.landing_zone}",
            )  # fmt: skip
            change = f"created StackSet {stack.stack_set_name}"
        elif found.get("TemplateBody", "").strip() != stack.template.strip():
            aws.call(
                cloudformation, "update_stack_set", StackSetName=stack.stack_set_name,
                TemplateBody=stack.template, Capabilities=["CAPABILITY_NAMED_IAM"],
            )  # fmt: skip
            change = f"updated StackSet {stack.stack_set_name} to the new template"
        else:
            change = ""
    return change


def bootstrap_stack(ctx: RunContext) -> StepResult:
    """The landing zone's StackSet has a healthy stack instance in this account, as wanted."""
    stack = ctx.desired.stack
    if stack is None:
        return StepResult(ReplicationStep.Status.SKIPPED, "the landing zone has no bootstrap")
    cloudformation = _automation(ctx, stack.region)
    declared, changes = _stack_set_parameters(ctx, cloudformation)
    values = {**ctx.desired.stack_parameters, "AccountId": ctx.account_id}
    wanted = {key: value for key, value in values.items() if key in declared}
    target = {
        "StackSetName": stack.stack_set_name, "Accounts": [ctx.account_id],
        "Regions": [stack.region],
    }  # fmt: skip
    instance = _find_instance(ctx, cloudformation)
    if instance is None:
        operation = aws.call(
            cloudformation, "create_stack_instances", **target,
            ParameterOverrides=[_override(key, value) for key, value in wanted.items()],
        )["OperationId"]  # fmt: skip
        what = f"created the stack instance of {stack.stack_set_name}"
        return _followed(ctx, cloudformation, operation, changes, what)
    _check_instance(ctx, cloudformation, instance)
    # Without a parameter meshaws sets there is nothing to compare, and no read to make.
    current = _current_overrides(ctx, cloudformation) if wanted else []
    overrides = _overrides_to_send(current, wanted, declared)
    if overrides is not None:
        operation = aws.call(
            cloudformation, "update_stack_instances", **target, ParameterOverrides=overrides
        )["OperationId"]
        what = f"updated the parameters of the stack instance of {stack.stack_set_name}"
        return _followed(ctx, cloudformation, operation, changes, what)
    if not changes:
        return StepResult(
            ReplicationStep.Status.OK,
            f"stack instance of {stack.stack_set_name} present and current",
        )
    return StepResult(ReplicationStep.Status.CHANGED, "; ".join(changes))


def _stack_set_parameters(ctx: RunContext, cloudformation) -> tuple[set[str], list[str]]:
    """The parameters the StackSet declares (meshaws' own kept current first), and changes."""
    stack = ctx.desired.stack
    if stack.owned:
        change = _keep_own_stack_set(ctx, cloudformation)
        return patterns.cloudformation_parameters(stack.template), [change] if change else []
    stack_set = _describe(cloudformation, stack.stack_set_name)
    if stack_set is None:
        raise StepFailed(
            f"StackSet {stack.stack_set_name} does not exist in the automation account "
            f"({stack.region}); create it or fix the landing zone", code="StackSetNotFound",
        )  # fmt: skip
    return {p["ParameterKey"] for p in stack_set.get("Parameters", [])}, []


def _override(key: str, value: str) -> dict:
    """One ParameterOverrides entry."""
    return {"ParameterKey": key, "ParameterValue": value}


def _find_instance(ctx: RunContext, cloudformation) -> dict | None:
    """The summary of this account's stack instance in the StackSet's region, or None."""
    stack = ctx.desired.stack
    summaries = aws.paginate(
        cloudformation, "list_stack_instances", "Summaries", StackSetName=stack.stack_set_name,
        StackInstanceAccount=ctx.account_id, StackInstanceRegion=stack.region,
    )  # fmt: skip
    # Checked again here: the sandbox emulator ignores the two filters.
    return next(
        (
            s
            for s in summaries
            if (s.get("Account"), s.get("Region")) == (ctx.account_id, stack.region)
        ),
        None,
    )


def _check_instance(ctx: RunContext, cloudformation, instance: dict) -> None:
    """Wait while an operation works on the instance; fail if it is not healthy and current.

    OUTDATED means the instance is not as the StackSet says: while an operation runs on it
    that is normal; once none runs, the last operation failed or stopped before reaching it.
    """
    name = ctx.desired.stack.stack_set_name
    status = instance.get("Status", "")
    detailed = instance.get("StackInstanceStatus", {}).get("DetailedStatus", "")
    if detailed in INSTANCE_BUSY:
        raise _waiting(
            ctx, f"an operation of StackSet {name} is {detailed.lower()} on this account's "
            "stack instance; waiting for CloudFormation",
        )  # fmt: skip
    if status == "CURRENT" and detailed not in INSTANCE_BROKEN:
        return
    reason = instance.get("StatusReason", "")
    if status == "OUTDATED" and detailed not in INSTANCE_BROKEN and instance.get("LastOperationId"):
        last = _operation(ctx, cloudformation, instance["LastOperationId"])
        if last["Status"] in OPERATION_BUSY:
            raise _waiting(
                ctx, f"operation {last['OperationId']} of StackSet {name} is "
                f"{last['Status'].lower()}; waiting for CloudFormation",
            )  # fmt: skip
        reason = (
            reason
            or last.get("StatusReason")
            or (f"its last operation ({last.get('Action', '').lower()}) ended {last['Status']}")
        )
    broken = detailed if detailed in INSTANCE_BROKEN else ""
    state = f"{status} ({broken})" if broken and broken != status else status
    advice = (
        "delete the stack instance with RetainStacks, then its stack, and re-sync"
        if "INOPERABLE" in (status, detailed)
        else "fix the cause (the StackSet's operations in the automation account show it), "
        "then delete the stack instance from the StackSet and re-sync: meshaws creates it again"
    )
    raise StepFailed(
        f"the stack instance of {name} in this account is {state}: "
        f"{reason or 'CloudFormation gives no reason'}; {advice}", code=broken or status,
    )  # fmt: skip


def _current_overrides(ctx: RunContext, cloudformation) -> list[dict]:
    """The stack instance's parameter overrides (ListStackInstances' summaries lack them)."""
    stack = ctx.desired.stack
    return aws.call(
        cloudformation, "describe_stack_instance", StackSetName=stack.stack_set_name,
        StackInstanceAccount=ctx.account_id, StackInstanceRegion=stack.region,
    )["StackInstance"].get("ParameterOverrides", [])  # fmt: skip


def _overrides_to_send(current: list[dict], wanted: dict[str, str], declared: set[str]):
    """The ParameterOverrides for UpdateStackInstances, or None when the instance has `wanted`.

    Overrides meshaws does not set are kept (UsePreviousValue) while the StackSet declares them.
    """
    have = {p["ParameterKey"]: p.get("ParameterValue") for p in current}
    if all(have.get(key) == value for key, value in wanted.items()):
        return None
    kept = [
        {"ParameterKey": key, "UsePreviousValue": True}
        for key in have
        if key not in wanted and key in declared
    ]
    return [*(_override(key, value) for key, value in wanted.items()), *kept]


def _operation(ctx: RunContext, cloudformation, operation_id: str) -> dict:
    """A StackSet operation of the landing zone's StackSet, as DescribeStackSetOperation says."""
    return aws.call(
        cloudformation, "describe_stack_set_operation",
        StackSetName=ctx.desired.stack.stack_set_name, OperationId=operation_id,
    )["StackSetOperation"]  # fmt: skip


def _waiting(ctx: RunContext, remark: str) -> StepWaiting:
    """Park the run while CloudFormation works, polling less often as the wait goes on."""
    began = ctx.wait_began("stack-operation")
    elapsed = timezone.now() - began if began else timedelta(0)
    minutes = int(OPERATION_TIMEOUT.total_seconds() // 60)
    return StepWaiting(
        remark, min(max(OPERATION_POLL, elapsed / 2), OPERATION_POLL_MAX),
        deadline=Deadline(
            "stack-operation", OPERATION_TIMEOUT,
            f"CloudFormation did not finish the operation on this account's stack instance of "
            f"{ctx.desired.stack.stack_set_name} within {minutes} minutes; see the StackSet's "
            "operations in the automation account, then re-sync",
        ),
    )  # fmt: skip


def _followed(ctx: RunContext, cloudformation, operation_id: str, changes, what) -> StepResult:
    """The step's end after starting a StackSet operation: done, waiting for it, or failed."""
    name = ctx.desired.stack.stack_set_name
    operation = _operation(ctx, cloudformation, operation_id)
    status = operation["Status"]
    changes.append(f"{what} ({status.lower()})")
    if status in OPERATION_BUSY:
        raise _waiting(ctx, "; ".join(changes) + "; waiting for CloudFormation")
    if status != "SUCCEEDED":
        reason = operation.get("StatusReason") or "CloudFormation gives no reason"
        raise StepFailed(
            f"the stack instance operation of {name} ended {status}: {reason}; see the "
            "StackSet's operations in the automation account", code=status,
        )  # fmt: skip
    return StepResult(ReplicationStep.Status.CHANGED, "; ".join(changes))


def finish(ctx: RunContext) -> StepResult:
    """The account is ready (the engine writes ready, or ready with warnings, as the run ends)."""
    return StepResult(ReplicationStep.Status.OK, f"account {ctx.account_id} is ready")
