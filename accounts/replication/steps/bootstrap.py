"""Steps after the account is set up: the bootstrap stack instance, and finishing the run."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import ProjectAccount
from accounts.replication import aws
from platforms import patterns
from platforms.models import LandingZone

from .base import RunContext, StepFailed, StepResult, StepWaiting

OPERATION_POLL = timedelta(seconds=20)


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


def _keep_own_stack_set(ctx: RunContext, cloudformation) -> tuple[dict, str]:
    """meshaws' own StackSet exists with the landing zone's current template."""
    stack = ctx.desired.stack
    found = _describe(cloudformation, stack.stack_set_name)
    if found is not None and found.get("TemplateBody", "").strip() == stack.template.strip():
        return found, ""
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
    return _describe(cloudformation, stack.stack_set_name), change


def bootstrap_stack(ctx: RunContext) -> StepResult:
    """The landing zone's StackSet has a stack instance in this account."""
    stack = ctx.desired.stack
    if stack is None:
        return StepResult("skipped", "the landing zone has no bootstrap")
    cloudformation = _automation(ctx, stack.region)
    changes = []
    if stack.owned:
        stack_set, change = _keep_own_stack_set(ctx, cloudformation)
        changes += [change] if change else []
        declared = patterns.cloudformation_parameters(stack.template)
    else:
        stack_set = _describe(cloudformation, stack.stack_set_name)
        if stack_set is None:
            raise StepFailed(
                f"StackSet {stack.stack_set_name} does not exist in the automation account "
                f"({stack.region}); create it or fix the landing zone", code="StackSetNotFound",
            )  # fmt: skip
        declared = {p["ParameterKey"] for p in stack_set.get("Parameters", [])}
    instances = list(
        aws.paginate(
            cloudformation, "list_stack_instances", "Summaries", StackSetName=stack.stack_set_name,
            StackInstanceAccount=ctx.account_id, StackInstanceRegion=stack.region,
        )
    )  # fmt: skip
    if instances:
        if not changes:
            return StepResult("ok", f"stack instance of {stack.stack_set_name} present")
        return StepResult("changed", "; ".join(changes))
    values = {**ctx.desired.stack_parameters, "AccountId": ctx.account_id}
    overrides = [
        {"ParameterKey": key, "ParameterValue": value}
        for key, value in values.items()
        if key in declared
    ]
    operation = aws.call(
        cloudformation, "create_stack_instances", StackSetName=stack.stack_set_name,
        Accounts=[ctx.account_id], Regions=[stack.region], ParameterOverrides=overrides,
    )["OperationId"]  # fmt: skip
    status = aws.call(
        cloudformation, "describe_stack_set_operation", StackSetName=stack.stack_set_name,
        OperationId=operation,
    )["StackSetOperation"]["Status"]  # fmt: skip
    changes.append(f"created the stack instance of {stack.stack_set_name} ({status.lower()})")
    if status in ("RUNNING", "QUEUED"):
        raise StepWaiting("; ".join(changes) + "; waiting for CloudFormation", OPERATION_POLL)
    if status != "SUCCEEDED":
        raise StepFailed(
            f"the stack instance operation of {stack.stack_set_name} ended {status}; see the "
            "StackSet's operations in the automation account", code=status,
        )  # fmt: skip
    return StepResult("changed", "; ".join(changes))


def finish(ctx: RunContext) -> StepResult:
    """The account is ready."""
    with transaction.atomic():
        ProjectAccount.objects.filter(pk=ctx.account.pk).update(
            status=ProjectAccount.Status.READY, last_run_at=timezone.now()
        )
    return StepResult("ok", f"account {ctx.account_id} is ready")
