"""Steps in the management account: validate, connect, account, external-avm, tags, OU."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import ProjectAccount
from accounts.replication import aws
from platforms import patterns
from platforms.models import PlatformInstance

from .base import RunContext, StepFailed, StepResult, StepWaiting

# Polls of a creation (or of an external AVM) are timed from when it began: the first after
# settings.MESHAWS_CREATION_POLL_SECONDS (15 s), then after half the time it has taken so
# far (1.5 times longer each poll), at most 8 times the first wait (2 minutes by default).
CREATION_POLL_MAX_FACTOR = 8
# A queued account is woken when a creation of its platform ends (start_queued_creations);
# this re-check only covers a wake-up that never came (a lost job, a raised limit).
QUEUED_RECHECK = timedelta(minutes=5)
# A woken run is due "now" by its waker's clock; runs due within this margin count as woken.
WAKE_MARGIN = timedelta(seconds=30)
# AWS's reasons for a failed CreateAccount, in words an operator can act on.
CREATE_FAILURES = {
    "EMAIL_ALREADY_EXISTS": "the e-mail {email} belongs to an AWS account outside this "
    "organization; change the platform's e-mail template or free the address",
    "ACCOUNT_LIMIT_EXCEEDED": "the organization has reached its account quota; ask AWS "
    "support to raise it",
    "INVALID_EMAIL": "AWS refused the e-mail {email} as invalid",
    "INVALID_ADDRESS": "AWS refused the account's address; check the management account's "
    "contact information",
    "CONCURRENT_ACCOUNT_MODIFICATION": None,  # transient: try again
    "INTERNAL_FAILURE": None,
}


def _poll_delay(since) -> timedelta:
    """The wait before the next poll of something that began at `since` (see above)."""
    poll = timedelta(seconds=settings.MESHAWS_CREATION_POLL_SECONDS)
    elapsed = timezone.now() - since if since else timedelta(0)
    return min(max(poll, elapsed / 2), poll * CREATION_POLL_MAX_FACTOR)


def validate(ctx: RunContext) -> StepResult:
    """The configuration and the account's names still pass every rule."""
    desired = ctx.desired
    checks = [("alias", patterns.validate_account_alias, desired.alias)] if desired.alias else []
    if desired.email:
        checks.append(("e-mail", patterns.validate_account_email, desired.email))
    checks.append(("target OU", patterns.validate_target_ou, desired.target_ou))
    for role in desired.roles:
        checks.append((f"role {role.name}", patterns.validate_role_name, role.name))
    for what, validator, value in checks:
        try:
            validator(value)
        except ValidationError as error:
            raise StepFailed(f"{what} {value!r}: {' '.join(error.messages)}") from None
    return StepResult("ok", f"{len(checks)} names checked")


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
    return StepResult("ok", f"assumed {ctx.access.management_role}")


def account(ctx: RunContext) -> StepResult:
    """The account exists, exactly once: known id, known request, adoption, or creation."""
    org = ctx.organizations()
    if ctx.desired.external_provisioning is not None:
        return _find_externally_created(ctx, org)
    if ctx.account_id:
        try:
            found = aws.call(org, "describe_account", AccountId=ctx.account_id)["Account"]
        except aws.AwsError as error:
            if error.code == "AccountNotFoundException":
                raise StepFailed(
                    f"AWS account {ctx.account_id} is not in this organization; invite it or "
                    "remove the id", operation=error.operation, code=error.code,
                ) from None  # fmt: skip
            raise
        if found.get("Status") not in (None, "ACTIVE"):
            raise StepFailed(f"AWS account {ctx.account_id} is {found['Status']}")
        return StepResult("ok", f"account {ctx.account_id} exists")
    if ctx.account.create_request_id:
        return _follow_request(ctx, org, ctx.account.create_request_id)
    # A full creation gate is checked here first, in the database, so that queued accounts
    # cost no AWS calls while they wait; _create checks it again under the lock.
    _wait_for_a_creation_slot(ctx, PlatformInstance.objects.get(pk=ctx.account.platform_id))
    for existing in aws.paginate(org, "list_accounts", "Accounts"):
        if existing["Email"].lower() == ctx.desired.email.lower():
            ctx.save_account(aws_account_id=existing["Id"])
            return StepResult("changed", f"adopted account {existing['Id']} with our e-mail")
    in_flight = aws.paginate(
        org, "list_create_account_status", "CreateAccountStatuses", States=["IN_PROGRESS"]
    )
    for request in in_flight:
        if request.get("AccountName") == ctx.desired.name:
            ctx.save_account(create_request_id=request["Id"], creation_requested_at=timezone.now())
            return _follow_request(ctx, org, request["Id"])
    return _create(ctx, org)


def creations_in_flight(platform_id: int) -> int:
    """Accounts of the platform whose CreateAccount was called and has not ended yet."""
    return (
        ProjectAccount.objects.filter(
            platform_id=platform_id, aws_account_id__isnull=True, deleted_at__isnull=True
        )
        .exclude(create_request_id="")
        .count()
    )


def _wait_for_a_creation_slot(ctx: RunContext, platform: PlatformInstance) -> None:
    """Raise StepWaiting (queued) while the platform has its limit of creations in flight."""
    in_flight = creations_in_flight(platform.pk)
    if in_flight >= platform.account_creation_concurrency:
        raise StepWaiting(
            f"{in_flight} account creations are in flight on {platform.full_identifier} "
            f"(at most {platform.account_creation_concurrency}); queued",
            QUEUED_RECHECK,
            queued=True,
        )


def start_queued_creations(platform_id: int, wake, *, caller_account_id=None) -> int:
    """Wake the oldest queued runs of the platform, one per free creation slot; how many.

    Called when a creation has ended (or a queued run has just parked). `wake(run)` starts
    the run's next attempt. A run is marked due now before it is woken, so that no run is
    woken twice and the sweep re-queues it if the wake-up job is lost.
    """
    from accounts.models import ReplicationRun

    limit = (
        PlatformInstance.objects.filter(pk=platform_id)
        .values_list("account_creation_concurrency", flat=True)
        .first()
    )
    now = timezone.now()
    # Runs of the platform's live accounts whose creation has not started.
    before_creation = ReplicationRun.objects.filter(
        account__platform_id=platform_id, account__aws_account_id__isnull=True,
        account__create_request_id="", account__deleted_at__isnull=True,
    )  # fmt: skip
    # Runs on their way to the gate will take a slot first: woken ones not started yet, and
    # running ones before their CreateAccount. Waking more would only queue them again.
    on_their_way = (
        before_creation.filter(
            Q(status=ReplicationRun.Status.RUNNING)
            | Q(status=ReplicationRun.Status.WAITING, next_attempt_at__lte=now + WAKE_MARGIN)
        )
        .exclude(account_id=caller_account_id)
        .count()
    )  # fmt: skip
    free = (limit or 0) - creations_in_flight(platform_id) - on_their_way
    if free <= 0:
        return 0
    # A run woken by another worker is due "now" by that worker's clock: the margin keeps it
    # out of these candidates even if the clocks (or the two calls) are seconds apart.
    candidates = before_creation.filter(
        status=ReplicationRun.Status.WAITING, next_attempt_at__gt=now + WAKE_MARGIN
    ).order_by("created_at")[: free * 2]
    woken = 0
    for run in candidates:
        # Compare-and-set on the due time read: of two creations ending together, only one
        # marks (and wakes) a given run.
        marked = ReplicationRun.objects.filter(
            pk=run.pk, attempt=run.attempt, status=ReplicationRun.Status.WAITING,
            next_attempt_at=run.next_attempt_at,
        ).update(next_attempt_at=now)  # fmt: skip
        if marked:
            wake(run)
            woken += 1
            if woken == free:
                break
    return woken


def _create(ctx: RunContext, org) -> StepResult:
    # The platform row lock makes "count the creations in flight, then start one" atomic
    # across workers; CreateAccount's request id is committed with it.
    with transaction.atomic():
        platform = PlatformInstance.objects.select_for_update().get(pk=ctx.account.platform_id)
        _wait_for_a_creation_slot(ctx, platform)
        status = aws.call(
            org, "create_account", Email=ctx.desired.email, AccountName=ctx.desired.name,
            RoleName=ctx.desired.access_role,
        )["CreateAccountStatus"]  # fmt: skip
        requested_at = timezone.now()
        ProjectAccount.objects.filter(pk=ctx.account.pk).update(
            create_request_id=status["Id"], creation_requested_at=requested_at
        )
        ctx.account.create_request_id = status["Id"]
        ctx.account.creation_requested_at = requested_at
    return _follow_request(ctx, org, status["Id"], created=True)


def _follow_request(ctx: RunContext, org, request_id: str, created: bool = False) -> StepResult:
    status = aws.call(org, "describe_create_account_status", CreateAccountRequestId=request_id)[
        "CreateAccountStatus"
    ]
    state = status["State"]
    if state != "IN_PROGRESS":
        ctx.creation_ended = True  # its slot is free once the account's fields are saved
    if state == "SUCCEEDED":
        ctx.save_account(aws_account_id=status["AccountId"])
        verb = "created" if created else "creation finished:"
        return StepResult("changed", f"{verb} account {status['AccountId']}")
    if state == "IN_PROGRESS":
        raise StepWaiting(
            f"AWS is creating the account (request {request_id})",
            _poll_delay(ctx.account.creation_requested_at),
        )
    reason = status.get("FailureReason", "UNKNOWN")
    if reason == "EMAIL_ALREADY_EXISTS":
        for existing in aws.paginate(org, "list_accounts", "Accounts"):
            if existing["Email"].lower() == ctx.desired.email.lower():
                ctx.save_account(aws_account_id=existing["Id"])
                return StepResult("changed", f"adopted account {existing['Id']} with our e-mail")
    message = CREATE_FAILURES.get(reason, "AWS could not create the account ({reason})")
    # Forget the failed request so that the next run starts a new one.
    ctx.save_account(create_request_id="")
    if message is None:
        raise aws.AwsError("CreateAccount", reason, "AWS asks to try again", transient=True)
    raise StepFailed(
        message.format(email=ctx.desired.email, reason=reason),
        operation="CreateAccount", code=reason,
    )  # fmt: skip


def _find_externally_created(ctx: RunContext, org) -> StepResult:
    external = ctx.desired.external_provisioning
    if ctx.account_id:
        return StepResult("ok", f"account {ctx.account_id} (created externally)")
    wanted = {
        external["customer_tag_key"]: ctx.desired.customer,
        external["project_tag_key"]: ctx.desired.project,
    }
    for candidate in aws.paginate(org, "list_accounts", "Accounts"):
        tags = {
            t["Key"]: t["Value"]
            for t in aws.paginate(org, "list_tags_for_resource", "Tags", ResourceId=candidate["Id"])
        }
        if all(tags.get(key) == value for key, value in wanted.items()):
            ctx.save_account(aws_account_id=candidate["Id"])
            return StepResult(
                "changed", f"found account {candidate['Id']} made by the external AVM"
            )
    deadline = ctx.account.created_at + timedelta(minutes=external["timeout_minutes"])
    if timezone.now() > deadline:
        raise StepFailed(
            f"no account tagged {wanted} appeared within {external['timeout_minutes']} minutes; "
            "check the external account vending machine"
        )
    raise StepWaiting(f"waiting for the external AVM to create an account tagged {wanted}",
                      _poll_delay(ctx.account.created_at))  # fmt: skip


def external_avm(ctx: RunContext) -> StepResult:
    """With waitForExternalAvm: the external AVM has tagged the account as ours."""
    if not ctx.desired.wait_for_external_avm:
        return StepResult("skipped", "waitForExternalAvm is off")
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
        return StepResult("ok", "the external AVM has finished")
    deadline = ctx.account.created_at + timedelta(minutes=ctx.desired.external_avm_timeout_minutes)
    if timezone.now() > deadline:
        raise StepFailed(
            f"the external AVM did not tag the account ({customer_key}, {project_key}) within "
            f"{ctx.desired.external_avm_timeout_minutes} minutes; check the vending machine"
        )
    raise StepWaiting(
        "waiting for the external AVM to tag the account", _poll_delay(ctx.account.created_at)
    )


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
    if not missing and not stale:
        return StepResult("ok", f"{len(desired)} tags as wanted")
    return StepResult(
        "changed", f"set {len(missing)} tag(s), removed {len(stale)}",
        detail=f"set: {sorted(missing)}; removed: {sorted(stale)}",
    )  # fmt: skip


def organizational_unit(ctx: RunContext) -> StepResult:
    """The account sits in its landing zone's OU."""
    org = ctx.organizations()
    parents = aws.call(org, "list_parents", ChildId=ctx.account_id)["Parents"]
    current = parents[0]["Id"] if parents else ""
    target = ctx.desired.target_ou
    if current == target:
        return StepResult("ok", f"in {target}")
    aws.call(
        org, "move_account", AccountId=ctx.account_id, SourceParentId=current,
        DestinationParentId=target,
    )  # fmt: skip
    return StepResult("changed", f"moved from {current} to {target}")
