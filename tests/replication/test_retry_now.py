"""Retry now: operators and support staff queue a waiting or retrying run's next attempt at once."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

import aws
from accounts.models import ProjectAccount
from accounts.services import project_account_create
from audit.models import AuditEvent
from replication import engine, jobs
from replication.models import ReplicationRun
from replication.services import run_retry_now
from tests.helpers import Scheduler, api_for
from tests.replication.test_paths import fail_once

LATER = timedelta(minutes=4)


@pytest.fixture
def woken(monkeypatch):
    """The runs jobs.wake was asked to queue (no Redis job is made)."""
    runs = []
    monkeypatch.setattr(jobs, "wake", runs.append)
    return runs


@pytest.fixture
def account(web, platform):
    """acme.web on aws-prod.eu, with its first run (no worker runs it here)."""
    return project_account_create(project=web, platform=platform, actor=None)


@pytest.fixture
def parked(account):
    """The account's run parked for a retry in a few minutes, as the engine leaves it."""
    run = account.runs.get()
    ReplicationRun.objects.filter(pk=run.pk).update(
        status="waiting", attempt=2, next_attempt_at=timezone.now() + LATER
    )
    ProjectAccount.objects.filter(pk=account.pk).update(
        status=ProjectAccount.Status.RETRYING, next_attempt_at=timezone.now() + LATER,
        status_message="ListParents failed with TooManyRequestsException (transient)",
    )  # fmt: skip
    return ReplicationRun.objects.get(pk=run.pk)


def test_it_makes_a_waiting_run_due_now_and_queues_it(
    parked, alice, woken, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_retry_now(run=parked, actor=alice)

    parked.refresh_from_db()
    assert parked.status == "waiting" and parked.next_attempt_at <= timezone.now()
    assert [(run.pk, run.attempt) for run in woken] == [(parked.pk, 2)]
    assert ProjectAccount.objects.get(pk=parked.account_id).next_attempt_at <= timezone.now()


def test_it_audits_who_retried_which_run(parked, bob, woken):
    run_retry_now(run=parked, actor=bob)

    event = AuditEvent.objects.get(action="replication.retry_now")
    assert event.actor == bob and event.object_id == str(parked.account_id)
    assert event.after == {"run": str(parked.pk), "attempt": 2}


@pytest.mark.parametrize("status", ["pending", "running", "succeeded", "failed"])
def test_it_refuses_a_run_that_is_not_waiting(account, alice, woken, status):
    run = account.runs.get()
    ReplicationRun.objects.filter(pk=run.pk).update(status=status)

    with pytest.raises(ValidationError) as refused:
        run_retry_now(run=run, actor=alice)

    assert f"is {status}, not waiting" in refused.value.message_dict["run"][0]
    assert woken == [] and not AuditEvent.objects.filter(action="replication.retry_now").exists()


@pytest.mark.sandbox
def test_the_woken_attempt_runs_the_retrying_run_to_its_end(
    enable, monkeypatch, alice, woken, django_capture_on_commit_callbacks
):
    fail_once(
        monkeypatch, "list_parents",
        aws.AwsError("ListParents", "TooManyRequestsException", "slow down", True),
    )  # fmt: skip
    account, run = enable()
    assert engine.execute(run.pk, schedule=Scheduler()) == "waiting"
    assert ProjectAccount.objects.get(pk=account.pk).status == "retrying"

    with django_capture_on_commit_callbacks(execute=True):
        run_retry_now(run=run, actor=alice)
    (queued,) = woken
    assert engine.execute(queued.pk, schedule=Scheduler(), expected_attempt=queued.attempt) == (
        "succeeded"
    )
    assert ProjectAccount.objects.get(pk=account.pk).status == "ready"


# -- the page --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["alice", "bob"])
def test_operators_and_support_see_retry_now_on_a_waiting_run(client, request, persona, parked):
    client.force_login(request.getfixturevalue(persona))

    html = client.get(f"/accounts/{parked.account_id}/").content.decode()

    assert 'data-testid="retry-now"' in html
    assert f'action="/runs/{parked.pk}/retry/"' in html


def test_auditors_see_no_retry_now(client, charlie, parked):
    client.force_login(charlie)

    assert (
        'data-testid="retry-now"'
        not in client.get(f"/accounts/{parked.account_id}/").content.decode()
    )


def test_a_run_not_parked_has_no_retry_now(client, alice, account):
    client.force_login(alice)

    assert 'data-testid="retry-now"' not in client.get(f"/accounts/{account.pk}/").content.decode()


def test_retry_now_queues_the_run_and_says_so(
    client, bob, parked, woken, django_capture_on_commit_callbacks
):
    client.force_login(bob)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/runs/{parked.pk}/retry/", follow=True)

    assert response.redirect_chain[-1][0] == f"/accounts/{parked.account_id}/"
    assert f"run {str(parked.pk)[:8]} is queued now" in response.content.decode()
    parked.refresh_from_db()
    assert parked.next_attempt_at <= timezone.now()
    assert [run.pk for run in woken] == [parked.pk]


def test_retry_now_of_a_run_not_waiting_says_why(client, alice, account, woken):
    run = account.runs.get()
    client.force_login(alice)

    response = client.post(f"/runs/{run.pk}/retry/", follow=True)

    assert "is pending, not waiting" in response.content.decode()
    assert woken == []


def test_auditors_may_not_retry_now(client, charlie, parked, woken):
    client.force_login(charlie)

    assert client.post(f"/runs/{parked.pk}/retry/").status_code == 403
    assert woken == []


def test_retry_now_is_post_only(client, alice, parked):
    client.force_login(alice)

    assert client.get(f"/runs/{parked.pk}/retry/").status_code == 405


# -- the API ---------------------------------------------------------------------------------


def test_the_api_retries_a_waiting_run(bob, parked, woken, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(bob).post(f"/api/v1/runs/{parked.pk}/retry/")

    assert response.status_code == 202
    assert response.json()["id"] == str(parked.pk) and response.json()["status"] == "waiting"
    assert AuditEvent.objects.filter(action="replication.retry_now", actor=bob).exists()
    assert [run.pk for run in woken] == [parked.pk]


def test_the_api_refuses_a_run_that_is_not_waiting_with_400(alice, account, woken):
    run = account.runs.get()

    response = api_for(alice).post(f"/api/v1/runs/{run.pk}/retry/")

    assert response.status_code == 400
    assert "is pending, not waiting" in response.json()["run"][0]


def test_the_api_refuses_auditors(charlie, parked, woken):
    assert api_for(charlie).post(f"/api/v1/runs/{parked.pk}/retry/").status_code == 403
    assert woken == []
