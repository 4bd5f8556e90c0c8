"""No orphans: a retirement approved during a creation retires the one account it made; no run
ever touches a deleted or detached account; the sweep leaves no retiring account behind."""

from datetime import timedelta

import pytest
from django.utils import timezone

import aws
from accounts import signals
from accounts.services import (
    account_detach,
    project_create,
)
from replication import cron, engine
from replication.models import ReplicationRun
from replication.runs import GIVING_WAY
from replication.services import request_replication, resync_batch_create
from sandbox import strict_emulator
from tests.helpers import (
    Crash,
    Scheduler,
    calls,
    crash_after_call,
    management,
    organization_view,
    retire,
    run_to_end,
    step,
)

pytestmark = pytest.mark.sandbox


def made_for(url, account) -> list[dict]:
    """The organization's accounts with the project account's e-mail or name."""
    org = management(url, "organizations")
    return [
        found
        for found in aws.paginate(org, "list_accounts", "Accounts")
        if found["Email"] == account.email or found["Name"] == account.name
    ]


def assert_retired_once(url, account, ou) -> None:
    """Exactly one AWS account was made for the project account, and it is retired."""
    account.refresh_from_db()
    assert account.lifecycle == "deleted"
    [made] = made_for(url, account)
    assert made["Id"] == account.aws_account_id
    seen = organization_view(url, made["Id"])
    assert (seen["state"], seen["parent"]) == ("SUSPENDED", ou)


def test_a_retirement_after_a_crash_at_any_call_of_the_creation_retires_one_account(
    enable, project, alice, olga, retiring_zones, sandbox_state, monkeypatch
):
    url = sandbox_state.endpoint_url
    _, reference = enable()
    run_to_end(reference.pk)
    # The organization's id is read once per platform, by that first run only.
    creation = [
        call for call in calls(reference, "connect", "account") if call != "DescribeOrganization"
    ]
    assert "CreateAccount" in creation
    first_made = creation.index("CreateAccount") + 1

    for position in range(1, len(creation) + 1):
        aws.forget_credentials()
        target = project_create(
            customer=project.customer, identifier=f"crash-{position}", actor=None
        )
        with crash_after_call(monkeypatch, position):
            account, run = enable(target=target)
            with pytest.raises(Crash):
                run_to_end(run.pk)

        retirement = retire(account, alice, olga)
        assert retirement.purpose == "retire", position
        assert run_to_end(retirement.pk)[0] == "succeeded", position
        assert "CreateAccount" not in calls(retirement), position
        if position < first_made:
            account.refresh_from_db()
            assert account.lifecycle == "deleted" and made_for(url, account) == [], position
            assert step(retirement, "account").status == "skipped", position
        else:
            assert_retired_once(url, account, retiring_zones)


def test_a_retirement_after_a_crash_right_after_create_account_follows_the_creation_in_flight(
    enable, alice, olga, retiring_zones, sandbox_state, strictness, monkeypatch
):
    strictness.creation_seconds = 3600  # not listed yet: only its creation request is
    original = aws.capture.capture_call

    def crash_after_create_account(call):
        original(call)
        if call.operation == "CreateAccount":
            raise Crash("after CreateAccount")

    monkeypatch.setattr(aws.capture, "capture_call", crash_after_create_account)
    account, run = enable()
    with pytest.raises(Crash):
        run_to_end(run.pk)
    monkeypatch.setattr(aws.capture, "capture_call", original)
    account.refresh_from_db()
    assert not account.create_request_id  # rolled back with the crash

    retirement = retire(account, alice, olga)
    assert engine.execute(retirement.pk, schedule=Scheduler()) == "waiting"
    account.refresh_from_db()
    assert account.create_request_id  # the in-flight creation with its name, adopted
    strict_emulator.settle_accounts()
    assert run_to_end(retirement.pk)[0] == "succeeded"
    assert "CreateAccount" not in calls(retirement)
    assert_retired_once(sandbox_state.endpoint_url, account, retiring_zones)


def test_a_retirement_approved_during_the_creation_waits_for_it_then_retires_the_account(
    enable, alice, olga, retiring_zones, sandbox_state, strictness
):
    strictness.creation_seconds = 3600
    account, run = enable()
    assert engine.execute(run.pk, schedule=Scheduler()) == "waiting"
    account.refresh_from_db()
    assert account.create_request_id and not account.aws_account_id

    assert retire(account, alice, olga) == run  # joined: one run at a time
    run.refresh_from_db()
    assert run.next_attempt_at <= timezone.now()  # woken at once, not after its poll
    scheduler = Scheduler()
    assert engine.execute(run.pk, schedule=scheduler) == "succeeded"
    second = run.steps.filter(attempt=2)
    assert {(s.status, s.remark) for s in second} == {("skipped", GIVING_WAY)}
    retirement = account.runs.get(purpose="retire")
    assert scheduler.requests == [(retirement.pk, timedelta(0))]

    assert engine.execute(retirement.pk, schedule=Scheduler()) == "waiting"
    assert step(retirement, "account").status == "waiting"  # follows the same request
    strict_emulator.settle_accounts()
    assert run_to_end(retirement.pk)[0] == "succeeded"
    assert "CreateAccount" not in calls(retirement)
    assert_retired_once(sandbox_state.endpoint_url, account, retiring_zones)


def test_a_converge_run_gives_way_right_after_its_account_step(
    enable, alice, olga, retiring_zones, sandbox_state, monkeypatch
):
    account, run = enable()
    original = aws.capture.capture_call

    def approve_once_created(call):
        original(call)
        if call.operation == "DescribeCreateAccountStatus":
            monkeypatch.setattr(aws.capture, "capture_call", original)
            retire(account, alice, olga)

    monkeypatch.setattr(aws.capture, "capture_call", approve_once_created)
    scheduler = Scheduler()
    assert engine.execute(run.pk, schedule=scheduler) == "succeeded"

    done = {s.name: (s.status, s.remark) for s in run.steps.all()}
    assert done["account"][0] == "changed"
    assert done["tags"] == done["finish"] == ("skipped", GIVING_WAY)
    retirement = account.runs.get(purpose="retire")
    assert scheduler.requests == [(retirement.pk, timedelta(0))]
    assert run_to_end(retirement.pk)[0] == "succeeded"
    assert_retired_once(sandbox_state.endpoint_url, account, retiring_zones)


def test_detaching_makes_no_aws_call_and_no_run_follows(enable, alice, sandbox_state):
    account, run = enable()
    run_to_end(run.pk)
    account.refresh_from_db()

    with aws.capturing() as made:
        account_detach(account=account, comment="the customer keeps it", actor=alice)
        refused = request_replication(account=account, trigger="resync", actor=alice)
        batch = resync_batch_create(accounts=[account], description="all", actor=alice)
        signals.replicate([account], signals.PROJECT_CHANGED, alice)

    assert made == []
    assert refused == (None, False)
    assert batch.runs.count() == 0 and account.runs.count() == 1
    seen = organization_view(sandbox_state.endpoint_url, account.aws_account_id)
    assert seen["state"] == "ACTIVE" and seen["tags"]  # left as it was


def test_a_run_of_an_account_detached_meanwhile_ends_without_any_aws_call(enable, alice):
    account, run = enable()  # queued, not started
    account_detach(account=account, comment="not ours", actor=alice)

    with aws.capturing() as made:
        assert engine.execute(run.pk, schedule=Scheduler()) == "failed"

    assert made == []
    run.refresh_from_db()
    assert "detached" in run.error and "without any AWS call" in run.error
    assert not run.steps.exists()
    account.refresh_from_db()
    assert account.lifecycle == "detached"


def test_a_deleted_account_gets_no_run(enable, alice, olga):
    account, run = enable()
    run_to_end(run.pk)
    retirement = retire(account, alice, olga)
    run_to_end(retirement.pk)

    assert request_replication(account=account, trigger="resync", actor=alice) == (None, False)
    cron.resync_all_accounts()
    assert account.runs.count() == 2


def test_the_sweep_gives_a_retiring_account_left_without_a_run_its_retirement(enable, alice, olga):
    account, run = enable()
    run_to_end(run.pk)
    stuck, _ = request_replication(account=account, trigger="resync", actor=None)
    assert retire(account, alice, olga) == stuck
    # Its worker ended the converge run, then died before handing over.
    ReplicationRun.objects.filter(pk=stuck.pk).update(status="failed", finished_at=timezone.now())

    assert cron.sweep_retirements() == 1
    retirement = account.runs.get(status="pending")
    assert (retirement.purpose, retirement.trigger) == ("retire", "deletion_approved")
    assert cron.sweep_retirements() == 0
    # A failed retirement is tried again by the daily re-sync, not every sweep.
    ReplicationRun.objects.filter(pk=retirement.pk).update(status="failed")
    assert cron.sweep_retirements() == 0
    cron.resync_all_accounts()
    assert account.runs.get(status="pending").purpose == "retire"
