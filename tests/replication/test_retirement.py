"""Retirement runs against the sandbox emulator: access revoked, untagged, moved, closed."""

import json
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.utils import timezone

import aws
from accounts.services import deletion_request
from audit.models import AuditEvent
from platforms.models import LandingZone
from replication import engine
from replication.models import IdentityCenterGroup, ReplicationRun
from replication.steps import RETIREMENT_STEP_NAMES
from replication.steps.member import RETIRED_TRUST_SID
from replication.steps.retirement import CLOSE_QUOTA_RETRY, CLOSE_QUOTA_USED_UP
from tests.helpers import (
    Scheduler,
    assignments,
    calls,
    groups,
    member,
    organization_view,
    retire,
    run_to_end,
    step,
)

pytestmark = pytest.mark.sandbox


def ready(enable_account):
    """The account and its first run, run to its end."""
    account, run = enable_account()
    assert run_to_end(run.pk)[0] == "succeeded"
    account.refresh_from_db()
    return account


def trust(url, account_id, role_name) -> dict:
    """The role's trust policy, read in the member account."""
    iam = member(url, account_id, "iam")
    document = aws.call(iam, "get_role", RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    return document if isinstance(document, dict) else json.loads(unquote(document))


def test_a_retirement_in_saml_mode_revokes_untags_moves_closes_and_deletes(
    enable, alice, olga, retiring_zones, sandbox_platform, sandbox_state
):
    url = sandbox_state.endpoint_url
    account = ready(enable)
    provider = f"arn:aws:iam::{account.aws_account_id}:saml-provider/meshaws-idp"

    run = retire(account, alice, olga)
    assert (run.purpose, run.trigger, run.requested_by) == ("retire", "deletion_approved", olga)
    status, _ = run_to_end(run.pk)

    assert status == "succeeded"
    account.refresh_from_db()
    assert (account.lifecycle, account.status) == ("deleted", "ready")
    assert account.deleted_at is not None and account.aws_account_id  # kept forever
    for role in ("ProjectAdmin", "ProjectReader"):
        statements = trust(url, account.aws_account_id, role)["Statement"]
        assert [s["Effect"] for s in statements] == ["Deny"]
        assert statements[0]["Sid"] == RETIRED_TRUST_SID
        assert statements[0]["Principal"] == {"Federated": provider}
    seen = organization_view(url, account.aws_account_id)
    assert seen["state"] == "SUSPENDED" and seen["parent"] == retiring_zones
    assert not [key for key in seen["tags"] if key.startswith(sandbox_platform.tag_prefix)]
    assert "CreateAccount" not in calls(run)


def test_a_retirement_is_recorded_step_by_step_and_audited(enable, alice, olga, retiring_zones):
    account = ready(enable)
    run = retire(account, alice, olga)
    run_to_end(run.pk)

    last = run.steps.filter(attempt=run.steps.order_by("-attempt").first().attempt)
    assert tuple(last.order_by("position").values_list("name", flat=True)) == (
        RETIREMENT_STEP_NAMES
    )
    assert all(s.remark for s in run.steps.all())
    first = {s.name: s for s in run.steps.filter(attempt=1)}
    assert first["revoke-access"].status == "changed"
    assert "can no longer sign in" in first["revoke-access"].remark
    assert first["untag"].status == first["retire-ou"].status == "changed"
    assert first["close"].status == "waiting"
    # Later attempts find it done: nobody signs in to an account being closed, and so on.
    assert "PENDING_CLOSURE" in step(run, "revoke-access").remark
    assert step(run, "untag").status == step(run, "retire-ou").status == "ok"
    assert step(run, "close").status == "ok" and "SUSPENDED" in step(run, "close").remark
    assert "the project account is deleted" in step(run, "finish").remark
    actions = list(
        AuditEvent.objects.filter(object_type="project_account", object_id=account.pk).values_list(
            "action", "actor__username"
        )
    )
    assert ("project_account.deletion_request", "alice") in actions
    assert ("project_account.deletion_approve", "olga") in actions
    assert ("replication.request", "olga") in actions
    retired = AuditEvent.objects.get(action="project_account.retire", object_id=account.pk)
    assert retired.after["lifecycle"] == "deleted"
    assert retired.after["aws_account_id"] == account.aws_account_id
    assert account.retirements.get().completed_at is not None


def test_a_retirement_run_cut_off_after_its_last_step_ends_succeeded_without_aws_calls(
    enable, alice, olga, retiring_zones
):
    account = ready(enable)
    run = retire(account, alice, olga)
    run_to_end(run.pk)
    # Its worker died right after the finish step: the sweep finds its lease expired.
    expired = timezone.now() - timedelta(seconds=1)
    ReplicationRun.objects.filter(pk=run.pk).update(status="running", lease_expires_at=expired)
    with aws.capturing() as made:
        assert engine.execute(run.pk, schedule=Scheduler()) == "succeeded"
    assert made == []


def test_a_retirement_in_identity_center_mode_deletes_assignments_and_groups(
    enable_sso, alice, olga, sandbox_state, retiring_zones
):
    account = ready(enable_sso)
    assert assignments(sandbox_state, account.aws_account_id)

    run = retire(account, alice, olga)
    status, _ = run_to_end(run.pk)

    assert status == "succeeded"
    account.refresh_from_db()
    assert account.lifecycle == "deleted"
    assert assignments(sandbox_state, account.aws_account_id) == []
    assert not [name for name in groups(sandbox_state) if name.startswith("mst-acme.web-")]
    assert not IdentityCenterGroup.objects.exists()
    assert not account.identity_center_assignments.exists()
    # AWS removes assignments asynchronously: the step waited for it, then went on.
    revoking = [s.status for s in run.steps.filter(name="revoke-access").order_by("attempt")]
    assert revoking[0] == "waiting" and "changed" in revoking
    assert {"DeleteAccountAssignment", "DeleteGroup"} <= set(calls(run, "revoke-access"))
    seen = organization_view(sandbox_state.endpoint_url, account.aws_account_id)
    assert seen["state"] == "SUSPENDED" and seen["parent"] == retiring_zones


def test_the_closure_quota_parks_the_run_for_a_day_then_the_run_finishes(
    enable, alice, olga, retiring_zones, strictness
):
    account = ready(enable)
    strictness.close_account_quota = 0
    run = retire(account, alice, olga)
    scheduler = Scheduler()
    for _ in range(engine.MAX_ATTEMPTS + 2):  # more than a counted wait would survive
        assert engine.execute(run.pk, schedule=scheduler) == "waiting"

    run.refresh_from_db()
    account.refresh_from_db()
    assert (run.status, run.counted_attempts, run.wait_kind) == ("waiting", 0, "close-quota")
    assert run.next_attempt_at > timezone.now() + timedelta(hours=23)
    assert {delay for _, delay in scheduler.requests} == {CLOSE_QUOTA_RETRY}
    assert account.status == "waiting_for_aws" and account.lifecycle == "retiring"
    parked = step(run, "close")
    assert (parked.status, parked.remark) == ("waiting", CLOSE_QUOTA_USED_UP)

    strictness.close_account_quota = None  # a day later: AWS closes accounts again
    assert run_to_end(run.pk)[0] == "succeeded"
    account.refresh_from_db()
    assert account.lifecycle == "deleted"


def test_a_pending_closure_parks_the_run_until_aws_reports_it_suspended(
    enable, alice, olga, retiring_zones, strictness, sandbox_state
):
    account = ready(enable)
    strictness.closure_polls_pending = 2
    run = retire(account, alice, olga)
    status, scheduler = run_to_end(run.pk)

    assert status == "succeeded"
    closing = list(run.steps.filter(name="close").order_by("attempt"))
    # DescribeAccount answers PENDING_CLOSURE twice (the account step reads it too).
    assert [s.status for s in closing] == ["waiting", "waiting", "ok"]
    assert "closure requested" in closing[0].remark
    assert "PENDING_CLOSURE" in closing[1].remark
    assert [call["operation"] for call in closing[0].aws_calls] == [
        "DescribeAccount", "CloseAccount",
    ]  # fmt: skip
    assert sum(c["operation"] == "CloseAccount" for s in closing for c in s.aws_calls) == 1
    assert len(scheduler.requests) == 2
    run.refresh_from_db()
    assert run.counted_attempts == 1  # the waits for AWS's closure are timed, not counted


def test_a_landing_zone_without_retirement_settings_keeps_the_account_open_where_it_is(
    enable, alice, olga, sandbox_state
):
    account = ready(enable)
    before = organization_view(sandbox_state.endpoint_url, account.aws_account_id)["parent"]
    run = retire(account, alice, olga)
    assert run_to_end(run.pk)[0] == "succeeded"
    seen = organization_view(sandbox_state.endpoint_url, account.aws_account_id)
    assert (seen["state"], seen["parent"]) == ("ACTIVE", before)
    assert step(run, "retire-ou").status == step(run, "close").status == "skipped"
    assert not {"MoveAccount", "CloseAccount"} & set(calls(run))


def test_the_account_page_counts_a_retirement_runs_own_steps(
    enable, alice, olga, client, retiring_zones
):
    account = ready(enable)
    run = retire(account, alice, olga)
    run_to_end(run.pk)
    client.force_login(alice)

    live = client.get(f"/accounts/{account.pk}/live/").content.decode()

    total = len(RETIREMENT_STEP_NAMES)
    assert f'max="{total}"' in live and f"{total} / {total} steps done" in live
    assert "revoke-access" in live and "retire-ou" in live


def test_a_landing_zone_that_approves_at_once_retires_on_the_request_alone(
    enable, alice, retiring_zones
):
    account = ready(enable)
    LandingZone.objects.update(automate_deletion_approval=True)
    deletion_request(account=account, comment="the project is over", actor=alice)

    run = account.runs.get(status__in=ReplicationRun.ACTIVE)
    assert (run.purpose, run.trigger, run.requested_by) == ("retire", "deletion_approved", None)
    assert run_to_end(run.pk)[0] == "succeeded"
    account.refresh_from_db()
    assert account.lifecycle == "deleted"
