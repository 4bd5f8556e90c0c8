"""Waits for AWS or an AVM end at their own deadline, counted from when the wait began."""

from datetime import timedelta

import pytest
from django.utils import timezone

import aws
from accounts.models import ProjectAccount
from accounts.services import project_account_create
from platforms.config_io import parse_record, record_of
from platforms.services import platform_apply
from replication import engine
from replication.models import ReplicationRun
from replication.steps import member
from tests.helpers import Scheduler, account_made_outside, management, run_to_end

pytestmark = pytest.mark.sandbox


def refuse_access(monkeypatch, times: int) -> dict:
    """The member account refuses its access role `times` times (AWS still setting it up)."""
    original, state = aws.assumed_role, {"refused": 0}

    def young(**kwargs):
        if "MeshstackAccountAccessRole" in kwargs["role_arn"] and state["refused"] < times:
            state["refused"] += 1
            raise aws.AwsError("AssumeRole", "AccessDenied", "not yet", transient=False)
        return original(**kwargs)

    monkeypatch.setattr(aws, "assumed_role", young)
    return state


def set_back(run, **delta) -> None:
    """The run's wait began `delta` ago."""
    ReplicationRun.objects.filter(pk=run.pk).update(
        waiting_since=timezone.now() - timedelta(**delta)
    )


def with_record(platform, **changes):
    record = {**record_of(platform).as_dict(), **changes}
    platform_apply(
        location=platform.location,
        record=parse_record(record, stored=record_of(platform)),
        actor=None,
    )


def test_an_account_queued_20_minutes_then_created_still_gets_its_access_grace(enable, monkeypatch):
    account, run = enable()
    twenty_minutes_ago = timezone.now() - timedelta(minutes=20)
    ProjectAccount.objects.filter(pk=account.pk).update(created_at=twenty_minutes_ago)
    ReplicationRun.objects.filter(pk=run.pk).update(created_at=twenty_minutes_ago)
    refuse_access(monkeypatch, times=2)

    status, scheduler = run_to_end(run.pk)
    assert status == "succeeded"
    assert list(run.steps.filter(name="access").values_list("status", flat=True)) == [
        "waiting",
        "waiting",
        "ok",
    ]
    account.refresh_from_db()
    assert account.creation_succeeded_at > twenty_minutes_ago


def test_the_access_grace_ends_15_minutes_after_the_creation_succeeded(enable, monkeypatch):
    account, run = enable()
    refuse_access(monkeypatch, times=1_000)
    assert engine.execute(run.pk, schedule=Scheduler()) == "waiting"
    ProjectAccount.objects.filter(pk=account.pk).update(
        creation_succeeded_at=timezone.now() - timedelta(minutes=15, seconds=1)
    )
    assert engine.execute(run.pk, schedule=Scheduler()) == "failed"
    run.refresh_from_db()
    assert (run.error_step, run.error_code) == ("access", "AccessDenied")


def test_an_adopted_account_gets_no_access_grace(
    project, sandbox_platform, sandbox_state, monkeypatch
):
    adopted_id = account_made_outside(sandbox_state.endpoint_url, "adopted@sbx.io", "adopted")
    account = project_account_create(
        project=project, platform=sandbox_platform, aws_account_id=adopted_id, actor=None
    )
    refuse_access(monkeypatch, times=1)
    run = account.runs.get()
    assert run_to_end(run.pk)[0] == "failed"
    run.refresh_from_db()
    assert (run.error_step, run.error_code) == ("access", "AccessDenied")


def test_access_refusals_are_retried_with_back_off():
    now = timezone.now()
    assert member._access_retry(None) == timedelta(seconds=20)
    # As long as the wait has lasted so far (twice as long each time), at most 2 minutes.
    waited = member._access_retry(now - timedelta(seconds=50))
    assert timedelta(seconds=50) <= waited < timedelta(seconds=52)
    assert member._access_retry(now - timedelta(minutes=10)) == timedelta(minutes=2)


@pytest.fixture
def waiting_for_the_avm(sandbox_platform, enable):
    with_record(sandbox_platform, waitForExternalAvm=True)
    return enable()


def test_a_waiting_external_avm_outlasts_the_attempt_limit_and_fails_at_its_timeout(
    waiting_for_the_avm,
):
    account, run = waiting_for_the_avm
    for _ in range(engine.MAX_ATTEMPTS + 5):
        assert engine.execute(run.pk, schedule=Scheduler()) == "waiting"
    set_back(run, minutes=59)
    assert engine.execute(run.pk, schedule=Scheduler()) == "waiting"

    set_back(run, minutes=60, seconds=1)
    assert engine.execute(run.pk, schedule=Scheduler()) == "failed"
    run.refresh_from_db()
    assert run.error_step == "external-avm"
    assert run.error == (
        "the external AVM did not tag the account (ProductName, Stage) within 60 minutes; "
        "check the vending machine"
    )


def test_the_external_avm_wait_counts_from_when_it_began(waiting_for_the_avm):
    account, run = waiting_for_the_avm
    long_ago = timezone.now() - timedelta(hours=3)
    ProjectAccount.objects.filter(pk=account.pk).update(created_at=long_ago)
    ReplicationRun.objects.filter(pk=run.pk).update(created_at=long_ago)
    assert engine.execute(run.pk, schedule=Scheduler()) == "waiting"
    run.refresh_from_db()
    assert run.wait_kind == "external-avm" and run.waiting_since > long_ago


def test_the_next_poll_is_never_later_than_the_deadline(waiting_for_the_avm):
    account, run = waiting_for_the_avm
    assert engine.execute(run.pk, schedule=Scheduler()) == "waiting"
    set_back(run, minutes=59, seconds=50)
    polls = Scheduler()
    assert engine.execute(run.pk, schedule=polls) == "waiting"
    [(_, delay)] = polls.requests
    assert delay <= timedelta(seconds=10)


def test_a_wait_of_another_kind_begins_its_own_deadline(waiting_for_the_avm, monkeypatch):
    account, run = waiting_for_the_avm
    assert engine.execute(run.pk, schedule=Scheduler()) == "waiting"
    set_back(run, minutes=50)
    account.refresh_from_db()
    org = management(account.platform.endpoint_url, "organizations")
    aws.call(
        org, "tag_resource", ResourceId=account.aws_account_id,
        Tags=[{"Key": "ProductName", "Value": "acme"}, {"Key": "Stage", "Value": "web"}],
    )  # fmt: skip
    refuse_access(monkeypatch, times=1)
    assert engine.execute(run.pk, schedule=Scheduler()) == "waiting"
    run.refresh_from_db()
    assert run.wait_kind == "access"
    assert timezone.now() - run.waiting_since < timedelta(minutes=1)


def test_externally_provisioned_accounts_are_waited_for_until_their_timeout(
    sandbox_platform, enable
):
    with_record(
        sandbox_platform,
        meshProvisioning=None,
        externalProvisioning={
            "timeoutMinutes": 30,
            "customerTagKey": "Customer",
            "projectTagKey": "Project",
        },
    )
    account, run = enable()
    for _ in range(engine.MAX_ATTEMPTS + 5):
        assert engine.execute(run.pk, schedule=Scheduler()) == "waiting"
    set_back(run, minutes=30, seconds=1)
    assert engine.execute(run.pk, schedule=Scheduler()) == "failed"
    run.refresh_from_db()
    assert run.error.startswith("no account tagged ") and "within 30 minutes" in run.error


def test_a_creation_aws_has_not_finished_fails_at_its_deadline_and_keeps_its_request(
    enable, slow_creation
):
    slow_creation["polls"] = 10_000
    account, run = enable()
    for _ in range(engine.MAX_ATTEMPTS + 5):
        assert engine.execute(run.pk, schedule=Scheduler()) == "waiting"
    set_back(run, hours=1, seconds=1)
    assert engine.execute(run.pk, schedule=Scheduler()) == "failed"
    run.refresh_from_db()
    account.refresh_from_db()
    assert run.error_step == "account"
    assert "AWS has not finished creating the account within 60 minutes" in run.error
    # The next run follows the same request: it never creates a second account.
    assert account.create_request_id and account.create_request_id in run.error
