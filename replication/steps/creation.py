"""The account step: the AWS account exists, exactly once.

A known id is checked; a known create request is followed; otherwise an ACTIVE account with
this account's e-mail is adopted, or one is created through the creation gate
(replication.creation_gate); with external provisioning, the external AVM's account is found.
A retirement finds the account the same way, but never creates one (`find_existing`).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

import aws
from accounts.models import ProjectAccount
from platforms.models import PlatformInstance
from platforms.organizations import lock_organization_platforms, organization_platforms
from replication.creation_gate import (
    QUEUED_RECHECK,
    CreationGate,
    creation_gate,
    creations_in_flight,
)
from replication.models import ReplicationStep

from .base import Deadline, RunContext, StepFailed, StepResult, StepWaiting

logger = logging.getLogger(__name__)

# A creation AWS still reports IN_PROGRESS after this long fails the run; its request id is
# kept, so the next run follows the same request (it never creates a second account).
CREATION_TIMEOUT = timedelta(hours=1)
# AWS's refusal of new accounts for a while (a daily quota): re-tried hourly, for 3 days.
CREATION_QUOTA_RETRY = timedelta(hours=1)
CREATION_QUOTA_TIMEOUT = timedelta(days=3)
# An account whose sign-up AWS has not completed (PENDING_ACTIVATION) is waited for this long.
ACTIVATION_TIMEOUT = timedelta(hours=1)
ACTIVATION_POLL = timedelta(minutes=2)
# Account states in which AWS will not let meshaws manage an account, with what to do.
UNUSABLE_STATES = {
    "SUSPENDED": "it was closed or suspended in AWS; reopen it through AWS Support (possible "
    "within 90 days of its closure), then re-sync",
    "PENDING_CLOSURE": "its closure was requested in AWS; once closed it can be reopened "
    "through AWS Support within 90 days, then re-sync",
    "CLOSED": "it was closed in AWS and its 90-day post-closure period is over; it cannot "
    "be reopened, so meshaws cannot manage it any more",
}
# Polls of a creation (or of an external AVM) are timed from when it began: the first after
# settings.MESHAWS_CREATION_POLL_SECONDS (15 s), then after half the time it has taken so
# far (1.5 times longer each poll), at most 8 times the first wait (2 minutes by default).
CREATION_POLL_MAX_FACTOR = 8
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


def poll_delay(since) -> timedelta:
    """The wait before the next poll of something that began at `since` (see above)."""
    poll = timedelta(seconds=settings.MESHAWS_CREATION_POLL_SECONDS)
    elapsed = timezone.now() - since if since else timedelta(0)
    return min(max(poll, elapsed / 2), poll * CREATION_POLL_MAX_FACTOR)


def account(ctx: RunContext) -> StepResult:
    """The account exists, exactly once: known id, known request, adoption, or creation."""
    org = ctx.organizations()
    read_organization(ctx, org)
    if ctx.desired.external_provisioning is not None:
        return _find_externally_created(ctx, org)
    if ctx.account_id:
        found = describe_known(ctx, org)
        _require_active(found)
        ctx.observe("name", found.get("Name", ""), ctx.account.name)
        return StepResult(ReplicationStep.Status.OK, f"account {ctx.account_id} exists")
    if ctx.account.create_request_id:
        return follow_request(ctx, org, ctx.account.create_request_id)
    # A full creation gate is checked here first, in the database, so that queued accounts
    # cost no AWS calls while they wait; _create checks it again under the lock.
    platform = PlatformInstance.objects.select_related("location").get(pk=ctx.account.platform_id)
    members = organization_platforms(platform)
    _wait_for_a_creation_slot(creation_gate(platform, members))
    return adopt_by_email(ctx, org) or _create(ctx, org, members)


def find_existing(ctx: RunContext, org) -> StepResult | None:
    """The AWS account this project account made, found as `account` finds it, never created:
    known id, known request (followed to its end), this e-mail in the organization (in any
    state), an in-flight creation with this name; with external provisioning, the AVM's
    account. None: no account was ever made for it."""
    if ctx.account_id:
        found = describe_known(ctx, org, fix="detach the project account instead")
        ctx.notes["state"] = state = found.get("State", "")
        return StepResult(ReplicationStep.Status.OK, f"account {ctx.account_id} is {state}")
    if ctx.account.create_request_id:
        followed = follow_request(ctx, org, ctx.account.create_request_id, retiring=True)
        if followed is not None:
            return followed
    if ctx.desired.external_provisioning is not None:
        return _find_externally_created(ctx, org, wait=False)
    adopted = adopt_by_email(ctx, org, any_state=True)
    if adopted is not None:
        return adopted
    request_id = _adopt_in_flight(ctx, _in_flight_with_our_name(ctx, org))
    if request_id is None:
        return None
    _keep_request(ctx, request_id)
    return follow_request(ctx, org, request_id, retiring=True)


def describe_known(ctx: RunContext, org, fix: str = "invite it or remove the id") -> dict:
    """DescribeAccount of the account's known id; StepFailed (with `fix`) if it is not there."""
    try:
        return aws.call(org, "describe_account", AccountId=ctx.account_id)["Account"]
    except aws.AwsError as error:
        if error.code == "AccountNotFoundException":
            raise StepFailed(
                f"AWS account {ctx.account_id} is not in this organization; {fix}",
                operation=error.operation, code=error.code,
            ) from None  # fmt: skip
        raise


def read_organization(ctx: RunContext, org) -> None:
    """Read the platform's organization id once (DescribeOrganization): it keys the gate."""
    platform = ctx.account.platform
    if platform.known_organization_id:
        return
    try:
        found = aws.call(org, "describe_organization")["Organization"]["Id"]
    except aws.AwsError as error:
        if error.code not in aws.ACCESS_DENIED_CODES:
            raise
        # A management role policy from before meshaws read it: the refused call is in the
        # step's record, and creations stay gated per management role until it is allowed.
        logger.warning("platform %s: DescribeOrganization refused (%s)", platform.pk, error.code)
        return
    # Only if the platform still reaches AWS where this run did.
    PlatformInstance.objects.filter(
        pk=platform.pk, endpoint_url=platform.endpoint_url,
        organization_root_account_role=platform.organization_root_account_role,
    ).update(
        organization_id=found, organization_read_from=platform.organization_destination
    )  # fmt: skip
    platform.organization_id = found
    platform.organization_read_from = platform.organization_destination


def _require_active(found: dict, found_as: str = "") -> None:
    """Go on only with an ACTIVE account (its `State`; AWS retired `Status` on 2026-09-09)."""
    account_id, state = found["Id"], found.get("State")
    if state == "ACTIVE":
        return
    if state == "PENDING_ACTIVATION":
        minutes = int(ACTIVATION_TIMEOUT.total_seconds() // 60)
        raise StepWaiting(
            f"AWS account {account_id}{found_as} is PENDING_ACTIVATION; waiting until AWS "
            "reports it ACTIVE",
            ACTIVATION_POLL,
            deadline=Deadline(
                "activation", ACTIVATION_TIMEOUT,
                f"AWS account {account_id}{found_as} stayed PENDING_ACTIVATION for {minutes} "
                "minutes: its sign-up is not complete; complete it in AWS (contact, payment "
                "and phone verification), then re-sync",
            ),
        )  # fmt: skip
    what = UNUSABLE_STATES.get(
        state, "AWS reports no state meshaws knows for it; check it in the AWS console"
    )
    raise StepFailed(
        f"AWS account {account_id}{found_as} is {state or 'of unknown state'}: {what}",
        operation="DescribeAccount" if not found_as else "ListAccounts", code=state or "",
    )  # fmt: skip


def _holder(ctx: RunContext, **held) -> ProjectAccount | None:
    """Another project account (live or deleted) that holds this AWS account or request."""
    return (
        ProjectAccount.objects.exclude(pk=ctx.account.pk)
        .filter(**held)
        .select_related("project__customer", "platform__location")
        .first()
    )


def adopt_by_email(ctx: RunContext, org, *, any_state: bool = False) -> StepResult | None:
    """Adopt the organization's ACTIVE account (or, with `any_state`, in whatever state) with
    this account's e-mail, if there is one."""
    email = ctx.desired.email.lower()
    for existing in aws.paginate(org, "list_accounts", "Accounts"):
        if existing["Email"].lower() != email:
            continue
        holder = _holder(ctx, aws_account_id=existing["Id"])
        if holder is not None:
            raise StepFailed(
                f"AWS account {existing['Id']} has this account's e-mail {ctx.desired.email} "
                f"but belongs to project account {holder}; change the platform's e-mail "
                "template", operation="ListAccounts",
            )  # fmt: skip
        if not any_state:
            _require_active(existing, f" (it has this account's e-mail {ctx.desired.email})")
        ctx.save_account(aws_account_id=existing["Id"])
        return StepResult(
            ReplicationStep.Status.CHANGED, f"adopted account {existing['Id']} with our e-mail"
        )
    return None


def _in_flight_with_our_name(ctx: RunContext, org) -> list[str]:
    """The ids of the organization's in-flight creations with this account's name."""
    in_flight = aws.paginate(
        org, "list_create_account_status", "CreateAccountStatuses", States=["IN_PROGRESS"]
    )
    return [r["Id"] for r in in_flight if r.get("AccountName") == ctx.desired.name]


def _adopt_in_flight(ctx: RunContext, request_ids: list[str]) -> str | None:
    """Of these in-flight creations, the first that no other project account follows."""
    for request_id in request_ids:
        # Another platform's account may have this name, and started this creation.
        if _holder(ctx, create_request_id=request_id) is None:
            return request_id
    return None


def _wait_for_a_creation_slot(gate: CreationGate) -> None:
    """Raise StepWaiting (queued) while the gate has its limit of creations in flight."""
    in_flight = creations_in_flight(gate.platform_ids)
    if in_flight >= gate.limit:
        raise StepWaiting(
            f"{in_flight} account creations are in flight on {gate.name} "
            f"(at most {gate.limit}); queued",
            QUEUED_RECHECK,
            queued=True,
        )


def _create(ctx: RunContext, org, members: list[PlatformInstance]) -> StepResult:
    # The locks on the organization's platform rows make "count the creations in flight,
    # check who follows an in-flight request of ours, then start one" atomic across workers
    # and platforms; the request id is committed with them. Every creation of the
    # organization waits for these locks, so the in-flight requests are listed before: only
    # this run (it holds the account) starts one with this account's name.
    in_flight = _in_flight_with_our_name(ctx, org)
    with transaction.atomic():
        members = lock_organization_platforms(ctx.account.platform, members)
        platform = next(m for m in members if m.pk == ctx.account.platform_id)
        _wait_for_a_creation_slot(creation_gate(platform, members))
        request_id = _adopt_in_flight(ctx, in_flight)
        created = request_id is None
        if created:
            request_id = _request_creation(ctx, org)
        _keep_request(ctx, request_id)
    return follow_request(ctx, org, request_id, created=created)


def _keep_request(ctx: RunContext, request_id: str) -> None:
    """Record the creation request this account follows, and when it was made or adopted."""
    requested_at = timezone.now()
    ProjectAccount.objects.filter(pk=ctx.account.pk).update(
        create_request_id=request_id, creation_requested_at=requested_at
    )
    ctx.account.create_request_id = request_id
    ctx.account.creation_requested_at = requested_at


def _request_creation(ctx: RunContext, org) -> str:
    """Call CreateAccount; AWS's creation limits park the run instead of failing it."""
    try:
        return aws.call(
            org, "create_account", Email=ctx.desired.email, AccountName=ctx.desired.name,
            RoleName=ctx.desired.access_role,
        )["CreateAccountStatus"]["Id"]  # fmt: skip
    except aws.AwsError as error:
        if error.code != "ConstraintViolationException":
            raise
        if error.reason == "ACCOUNT_NUMBER_LIMIT_EXCEEDED":
            raise StepFailed(
                CREATE_FAILURES["ACCOUNT_LIMIT_EXCEEDED"], operation=error.operation,
                code=error.reason,
            ) from None  # fmt: skip
        if error.reason != "ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED":
            raise
        # The organization's daily quota of new accounts (or its creations in flight, which
        # another tool started outside meshaws' gate): try again later, never give up early.
        raise StepWaiting(
            "AWS refused a new account for now (ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED: the "
            f"organization's account creation quota is used up); trying again in "
            f"{int(CREATION_QUOTA_RETRY.total_seconds() // 60)} minutes",
            CREATION_QUOTA_RETRY,
            deadline=Deadline(
                "creation-quota", CREATION_QUOTA_TIMEOUT,
                "AWS refused new accounts for 3 days (ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED); "
                "ask AWS Support to raise the organization's account creation quota, then "
                "re-sync",
            ),
        ) from None  # fmt: skip


def follow_request(
    ctx: RunContext, org, request_id: str, *, created: bool = False, retiring: bool = False
) -> StepResult | None:
    """Follow a creation request to its end; with `retiring`, a failed one is None (nothing
    was made) instead of a failure."""
    status = aws.call(org, "describe_create_account_status", CreateAccountRequestId=request_id)[
        "CreateAccountStatus"
    ]
    state = status["State"]
    if state != "IN_PROGRESS":
        ctx.creation_ended = True  # its slot is free once the account's fields are saved
    if state == "SUCCEEDED":
        # The access step's grace for a new account counts from here.
        ctx.save_account(aws_account_id=status["AccountId"], creation_succeeded_at=timezone.now())
        ctx.observe("name", status.get("AccountName", ""), ctx.account.name)
        verb = "created" if created else "creation finished:"
        return StepResult(ReplicationStep.Status.CHANGED, f"{verb} account {status['AccountId']}")
    if state == "IN_PROGRESS":
        minutes = int(CREATION_TIMEOUT.total_seconds() // 60)
        raise StepWaiting(
            f"AWS is creating the account (request {request_id})",
            poll_delay(ctx.account.creation_requested_at),
            deadline=Deadline(
                "creation", CREATION_TIMEOUT,
                f"AWS has not finished creating the account within {minutes} minutes (request "
                f"{request_id} is still IN_PROGRESS); re-sync later to follow the same request, "
                "or ask AWS Support about it",
            ),
        )  # fmt: skip
    reason = status.get("FailureReason", "UNKNOWN")
    # Forget the failed request so that the next run starts a new one (and its slot is free
    # even if the adoption below fails).
    ctx.save_account(create_request_id="")
    if retiring:
        return None
    if reason == "EMAIL_ALREADY_EXISTS":
        adopted = adopt_by_email(ctx, org)
        if adopted is not None:
            return adopted
    message = CREATE_FAILURES.get(reason, "AWS could not create the account ({reason})")
    if message is None:
        raise aws.AwsError("CreateAccount", reason, "AWS asks to try again", transient=True)
    raise StepFailed(
        message.format(email=ctx.desired.email, reason=reason),
        operation="CreateAccount", code=reason,
    )  # fmt: skip


def _find_externally_created(ctx: RunContext, org, *, wait: bool = True) -> StepResult | None:
    """The account the external AVM made (tagged with our identifiers); without it, wait (or,
    without `wait`, None)."""
    external = ctx.desired.external_provisioning
    if ctx.account_id:
        return StepResult(
            ReplicationStep.Status.OK, f"account {ctx.account_id} (created externally)"
        )
    wanted = {
        external["customer_tag_key"]: ctx.desired.customer,
        external["project_tag_key"]: ctx.desired.project,
    }
    for candidate in aws.paginate(org, "list_accounts", "Accounts"):
        if candidate.get("State") != "ACTIVE":
            continue  # closed, or not activated yet: not one to take (yet)
        tags = {
            t["Key"]: t["Value"]
            for t in aws.paginate(org, "list_tags_for_resource", "Tags", ResourceId=candidate["Id"])
        }
        if not all(tags.get(key) == value for key, value in wanted.items()):
            continue
        if _holder(ctx, aws_account_id=candidate["Id"]) is not None:
            continue  # another project account's (its project had these identifiers)
        ctx.save_account(aws_account_id=candidate["Id"])
        return StepResult(
            ReplicationStep.Status.CHANGED,
            f"found account {candidate['Id']} made by the external AVM",
        )
    if not wait:
        return None
    minutes = external["timeout_minutes"]
    raise StepWaiting(
        f"waiting for the external AVM to create an account tagged {wanted}",
        poll_delay(ctx.wait_began("external-provisioning")),
        deadline=Deadline(
            "external-provisioning", timedelta(minutes=minutes),
            f"no account tagged {wanted} appeared within {minutes} minutes; check the external "
            "account vending machine",
        ),
    )  # fmt: skip
