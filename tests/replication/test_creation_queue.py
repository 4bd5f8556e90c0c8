"""The creation gate's queue: queued runs are woken when a creation ends, polls are timed
from CreateAccount, and stale jobs do nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services import project_create
from platforms.models import PlatformInstance
from replication import creation_gate, engine
from replication.models import ReplicationRun
from replication.steps import creation
from tests.helpers import Scheduler

POLL = timedelta(seconds=15)  # MESHAWS_CREATION_POLL_SECONDS in the test settings


@pytest.fixture
def one_slot(sandbox_platform):
    PlatformInstance.objects.filter(pk=sandbox_platform.pk).update(account_creation_concurrency=1)
    return sandbox_platform


def _queued_account(enable, project, identifier):
    other = project_create(customer=project.customer, identifier=identifier, actor=None)
    return enable(target=other)[1]


@pytest.fixture
def creating_and_queued(enable, project, slow_creation, one_slot):
    """The platform's one slot taken by a creation AWS has not finished, and a run queued."""
    slow_creation["polls"] = 10_000
    _, first_run = enable()
    assert engine.execute(first_run.pk, schedule=Scheduler()) == "waiting"
    queued_run = _queued_account(enable, project, "queued")
    assert engine.execute(queued_run.pk, schedule=Scheduler()) == "waiting"
    return first_run, queued_run


def test_a_queued_run_rechecks_rarely_and_is_woken_when_the_creation_ends(
    creating_and_queued, slow_creation
):
    first_run, queued_run = creating_and_queued
    waits = Scheduler()
    for _ in range(engine.MAX_ATTEMPTS + 5):
        assert engine.execute(queued_run.pk, schedule=waits) == "waiting"
    # Waiting in line costs a re-check every few minutes, not one per creation poll.
    assert {delay for _, delay in waits.requests} == {creation_gate.QUEUED_RECHECK}

    slow_creation["polls"] = 0  # AWS has finished the first creation
    woken = []
    assert engine.execute(first_run.pk, schedule=Scheduler(), wake=woken.append) == "succeeded"
    assert [run.pk for run in woken] == [queued_run.pk]
    queued_run.refresh_from_db()
    assert queued_run.next_attempt_at <= timezone.now()  # the sweep re-queues a lost wake-up

    # The woken run creates its account, and its first status poll comes after the base
    # wait: the 25 attempts it spent in line do not stretch it (they once made it 2 minutes).
    slow_creation["polls"] = 3
    polls = Scheduler()
    status = engine.execute(queued_run.pk, schedule=polls, expected_attempt=queued_run.attempt)
    assert status == "waiting"
    assert queued_run.account.__class__.objects.get(pk=queued_run.account_id).create_request_id
    assert polls.requests == [(queued_run.pk, POLL)]


def test_runs_are_woken_oldest_first_one_per_free_slot(enable, project, sandbox_platform):
    PlatformInstance.objects.filter(pk=sandbox_platform.pk).update(account_creation_concurrency=2)
    later = timezone.now() + timedelta(minutes=5)
    queued = []
    for number in range(3):
        run = _queued_account(enable, project, f"q{number}")
        ReplicationRun.objects.filter(pk=run.pk).update(status="waiting", next_attempt_at=later)
        queued.append(run)
    first, second, third = [], [], []
    assert creation_gate.start_queued_creations(sandbox_platform.pk, first.append) == 2
    assert [run.pk for run in first] == [queued[0].pk, queued[1].pk]
    # Two creations ending together: the runs already woken have the two slots.
    assert creation_gate.start_queued_creations(sandbox_platform.pk, second.append) == 0
    # The first woken run starts its creation; the second is running towards the gate.
    queued[0].account.__class__.objects.filter(pk=queued[0].account_id).update(
        create_request_id="car-1"
    )
    ReplicationRun.objects.filter(pk=queued[1].pk).update(status="running")
    assert creation_gate.start_queued_creations(sandbox_platform.pk, second.append) == 0
    # That creation ends: one slot is free, and the third run gets it.
    queued[0].account.__class__.objects.filter(pk=queued[0].account_id).update(
        aws_account_id="111122223333"
    )
    assert creation_gate.start_queued_creations(sandbox_platform.pk, third.append) == 1
    assert [run.pk for run in second + third] == [queued[2].pk]


def test_nothing_is_woken_while_the_slots_are_taken(creating_and_queued, one_slot):
    woken = []
    assert creation_gate.start_queued_creations(one_slot.pk, woken.append) == 0
    assert woken == []


def test_a_job_for_an_attempt_already_made_does_nothing(enable, slow_creation):
    _, run = enable()
    assert engine.execute(run.pk, schedule=Scheduler()) == "waiting"
    run.refresh_from_db()
    assert engine.execute(run.pk, schedule=Scheduler(), expected_attempt=run.attempt - 1) is None
    assert ReplicationRun.objects.get(pk=run.pk).attempt == run.attempt
    assert engine.execute(run.pk, schedule=Scheduler(), expected_attempt=run.attempt) == "waiting"


def test_creation_polls_are_timed_from_create_account(settings):
    settings.MESHAWS_CREATION_POLL_SECONDS = 10
    now = timezone.now()
    assert creation.poll_delay(now) == timedelta(seconds=10)
    assert creation.poll_delay(None) == timedelta(seconds=10)
    # Half the time taken so far (1.5 times longer each poll), at most 8 times the first wait.
    assert abs(creation.poll_delay(now - timedelta(seconds=60)) - timedelta(seconds=30)) < (
        timedelta(seconds=1)
    )
    assert creation.poll_delay(now - timedelta(hours=1)) == timedelta(seconds=80)


def test_a_slot_freed_while_a_run_parks_wakes_that_run(enable, monkeypatch, one_slot):
    _, run = enable()
    counts = iter([1])  # the gate check sees the slot taken; it is free by the time it parks
    real = creation.creations_in_flight
    monkeypatch.setattr(creation, "creations_in_flight", lambda pk: next(counts, None) or real(pk))
    woken = []
    assert engine.execute(run.pk, schedule=Scheduler(), wake=woken.append) == "waiting"
    assert [each.pk for each in woken] == [run.pk]


def test_a_run_another_worker_has_just_woken_is_not_woken_again(enable, project, one_slot):
    run = _queued_account(enable, project, "queued")
    # Another worker, its clock a few seconds ahead, marked the run due and woke it.
    ahead = timezone.now() + timedelta(seconds=3)
    ReplicationRun.objects.filter(pk=run.pk).update(status="waiting", next_attempt_at=ahead)
    woken = []
    assert creation_gate.start_queued_creations(one_slot.pk, woken.append) == 0
    assert woken == []


def test_a_finished_creation_hands_its_slot_to_the_oldest_queued_run_at_once(
    creating_and_queued, enable, project, slow_creation
):
    first_run, queued_run = creating_and_queued
    later_run = _queued_account(enable, project, "later")
    engine.execute(later_run.pk, schedule=Scheduler())

    slow_creation["polls"] = 0
    queued = []
    status = engine.execute(first_run.pk, schedule=Scheduler(), wake=queued.append, hand_off=True)
    assert status == "succeeded"
    # The oldest queued run made its attempt within that job: its creation has started
    # (and, AWS being quick here, finished); the younger one still waits its turn.
    queued_run.refresh_from_db()
    assert queued_run.attempt == 2 and queued_run.account.aws_account_id
    assert ReplicationRun.objects.get(pk=later_run.pk).attempt == 1
    # The run handed the slot on finished its own creation, and woke the next in line
    # through the queue (hand-offs do not nest).
    assert [run.pk for run in queued] == [later_run.pk]
