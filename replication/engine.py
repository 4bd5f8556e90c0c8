"""Runs one replication run: claim it, call each step, act on each step's outcome in one place."""

from __future__ import annotations

import contextvars
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection
from django.db.models import F, Q
from django.utils import timezone

import aws
from accounts.models import ProjectAccount
from platforms.access import platform_access
from replication.models import ReplicationRun, ReplicationStep

from .account_status import parked_status, set_account_status, settle_ready
from .creation_gate import start_queued_creations
from .desired import for_account
from .outcomes import Done, Failed, Outcome, Retry, Waiting
from .runs import GIVING_WAY, end_at_claim, gives_way, hand_over
from .steps import RETIREMENT_STEPS, STEPS, RunContext, StepFailed, StepResult, StepWaiting

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 20
RETRY_BASE = timedelta(seconds=5)
RETRY_MAX = timedelta(minutes=5)


def retry_delay(attempt: int) -> timedelta:
    """Exponential back-off with full jitter, for a transient failure of attempt `attempt`."""
    ceiling = min(RETRY_BASE * (2 ** max(attempt - 1, 0)), RETRY_MAX)
    return timedelta(seconds=random.uniform(ceiling.total_seconds() / 2, ceiling.total_seconds()))  # noqa: S311


def lease() -> timedelta:
    """How long a worker may hold a running run before another may re-claim it (it crashed)."""
    return timedelta(seconds=settings.MESHAWS_RUN_LEASE_SECONDS)


def claim(run_id, expected_attempt: int | None = None) -> ReplicationRun | None:
    """Take the run for this worker (pending/waiting, or running with an expired lease).

    With `expected_attempt`, only while the run has made exactly that many attempts: a job
    queued for an attempt another job has already made is stale and does nothing.
    """
    now = timezone.now()
    runs = ReplicationRun.objects.filter(pk=run_id)
    if expected_attempt is not None:
        runs = runs.filter(attempt=expected_attempt)
    claimed = runs.filter(
        Q(status__in=[ReplicationRun.Status.PENDING, ReplicationRun.Status.WAITING])
        | Q(status=ReplicationRun.Status.RUNNING, lease_expires_at__lt=now)
    ).update(
        status=ReplicationRun.Status.RUNNING,
        attempt=F("attempt") + 1,
        lease_expires_at=now + lease(),
        next_attempt_at=None,
        updated_at=now,
    )
    if not claimed:
        return None  # someone else got there first, or the run is over
    run = ReplicationRun.objects.select_related(
        "account__project__customer", "account__platform__location", "account__landing_zone"
    ).get(pk=run_id)
    if run.started_at is None:
        ReplicationRun.objects.filter(pk=run_id).update(started_at=now)
        run.started_at = now
    return run


def execute(
    run_id,
    *,
    schedule: Callable[[ReplicationRun, timedelta], None],
    wake: Callable[[ReplicationRun], None] | None = None,
    expected_attempt: int | None = None,
    hand_off: bool = False,
) -> str | None:
    """Run the steps of `run_id` once; returns the run's status afterwards, None if not claimed.

    `schedule(run, delay)` enqueues a run's next attempt (the job layer passes enqueue_in);
    `wake(run)` queues a waiting run now (used to start queued creations when one ends);
    with `hand_off`, the first queued run a finished creation wakes runs in this call. The
    steps are the run's purpose's (replication.runs: converge or retire); a run of an account
    no longer managed ends without any AWS call.
    """
    run = claim(run_id, expected_attempt)
    if run is None:
        return None
    ended = end_at_claim(run)
    if ended is not None:
        _finish(run, ended[0], error=ended[1])
        return ended[0]
    account = run.account
    set_account_status(run, ProjectAccount.Status.RUNNING)
    context = RunContext(
        account=account, desired=for_account(account), access=platform_access(account.platform),
        attempt=run.attempt, wait_kind=run.wait_kind, waiting_since=run.waiting_since,
    )  # fmt: skip
    status = None
    try:
        status = _take_steps(run, context, schedule=schedule, wake=wake, hand_off=hand_off)
        return status
    finally:
        if status != ReplicationRun.Status.WAITING:  # over, or crashed: a retirement may follow
            hand_over(run, schedule)


def _take_steps(run: ReplicationRun, context: RunContext, **options) -> ReplicationRun.Status:
    """Take the run's steps in order until one parks or fails it, or the run is over.

    A converge run of an account being retired gives way at its start or right after its
    account step (a creation in flight is followed to its end first): the steps left are
    recorded skipped, and the run succeeds.
    """
    steps = RETIREMENT_STEPS if run.purpose == ReplicationRun.Purpose.RETIRE else STEPS
    for position, (name, step) in enumerate(steps, start=1):
        after_account = position > 1 and steps[position - 2][0] == "account"
        if (position == 1 or after_account) and gives_way(run, fresh=position == 1):
            for later, (skipped, _) in enumerate(steps[position - 1 :], start=position):
                call = StepCall(later, skipped, timezone.now(), [])
                _write_step(run, call, ReplicationStep.Status.SKIPPED, GIVING_WAY)
            break
        status = _take_step(run, context, position, name, step, **options)
        if status is not None:
            return status
    _finish(run, ReplicationRun.Status.SUCCEEDED)
    settle_ready(run)
    return ReplicationRun.Status.SUCCEEDED


@dataclass(frozen=True)
class StepCall:
    """One step's call in this attempt: its place, its name, when it began, its AWS calls."""

    position: int
    name: str
    started: datetime
    calls: list[aws.AwsCall]


def _take_step(
    run: ReplicationRun, context: RunContext, position: int, name: str, step, *, schedule,
    wake, hand_off: bool,
) -> ReplicationRun.Status | None:  # fmt: skip
    """Call one step, act on its outcome, then start the queued runs a freed slot woke."""
    started = timezone.now()
    with aws.capturing() as calls:
        outcome = _outcome(run, name, step, context)
    call = StepCall(position, name, started, calls)
    woken: list[ReplicationRun] = []
    if context.creation_ended:  # the creation this step followed ended: its slot is free
        context.creation_ended = False
        woken = _queued_runs_to_start(context.account)
    status, handing_off = None, False
    try:
        status = _act(run, call, outcome, schedule)
        if isinstance(outcome, Waiting) and outcome.in_line:
            # A slot that came free between the gate check and the park woke nobody.
            woken += _queued_runs_to_start(context.account)
        handing_off = hand_off and isinstance(outcome, Done)
    finally:
        _start(woken, schedule=schedule, wake=wake, hand_off=handing_off)
    if isinstance(outcome, Failed) and outcome.crash is not None:
        raise outcome.crash
    return status


# What a step's end comes to. Nothing here writes: _act does, in one place.


def _outcome(run: ReplicationRun, name: str, step, context: RunContext) -> Outcome:
    """Call the step `name` and say what it came to."""
    try:
        result: StepResult = step(context)
    except StepWaiting as waiting:
        if waiting.deadline is not None:
            return _timed_wait(run, waiting)
        if waiting.quota:
            return _quota_wait(run, waiting)
        return _counted_wait(run, waiting)
    except StepFailed as failure:
        return Failed(failure.message, operation=failure.operation, code=failure.code)
    except aws.AwsError as error:
        return _aws_error(run, error)
    except IntegrityError as refused:
        # A constraint said no (two project accounts claiming one AWS account, say): the
        # step's write was rolled back; this run fails, and nothing crashes.
        message = (
            f"the database refused what step {name} saved "
            f"({' '.join(str(refused).split())}); re-sync to retry"
        )
        logger.warning("replication run %s: %s", run.pk, message)
        return Failed(message)
    except Exception as crash:
        # Not an AWS answer: a bug or a lost database. The account's ids were committed as
        # they arrived.
        logger.exception("replication run %s crashed in step %s", run.pk, name)
        kind = type(crash).__name__
        return Failed(
            f"internal error: {kind}",
            error=f"internal error in step {name}: {kind}; re-sync to retry",
            crash=crash,
        )
    return Done(result)


def _timed_wait(run: ReplicationRun, waiting: StepWaiting) -> Waiting | Failed:
    """A wait for AWS or an AVM: wait until the next poll, or fail at the deadline.

    The deadline counts from when the run began this kind of wait (its attempts do not count
    towards the limit), and the next poll never comes later than the deadline.
    """
    deadline, now = waiting.deadline, timezone.now()
    began = run.waiting_since if run.wait_kind == deadline.kind and run.waiting_since else now
    due = began + deadline.timeout
    if now >= due:
        return Failed(deadline.message, detail=waiting.remark)
    return Waiting(
        waiting.remark, min(waiting.retry_in, due - now), wait_kind=deadline.kind,
        waiting_since=began,
    )  # fmt: skip


def _quota_wait(run: ReplicationRun, waiting: StepWaiting) -> Waiting:
    """A wait for AWS's quota to allow a call again: as long as it takes, never counted."""
    began = run.waiting_since if run.wait_kind == waiting.quota and run.waiting_since else None
    return Waiting(
        waiting.remark, waiting.retry_in, wait_kind=waiting.quota,
        waiting_since=began or timezone.now(),
    )  # fmt: skip


def _counted_wait(run: ReplicationRun, waiting: StepWaiting) -> Waiting | Failed:
    """A wait in line never gives up; any other wait without a deadline, after MAX_ATTEMPTS."""
    if run.counted_attempts >= MAX_ATTEMPTS and not waiting.queued:
        return Failed(
            waiting.remark,
            error=f"gave up after {run.counted_attempts} attempts: {waiting.remark}",
            step_status=ReplicationStep.Status.WAITING,
        )
    return Waiting(waiting.remark, waiting.retry_in, in_line=waiting.queued)


def _aws_error(run: ReplicationRun, error: aws.AwsError) -> Retry | Failed:
    """A transient AWS error is retried with back-off, up to MAX_ATTEMPTS; any other fails."""
    if error.transient and run.counted_attempts < MAX_ATTEMPTS:
        delay = retry_delay(run.counted_attempts)
        return Retry(
            f"{error.operation} failed with {error.code} (transient); the run is retried in "
            f"{delay.total_seconds():.0f} s", delay, detail=error.message,
        )  # fmt: skip
    return Failed(
        f"{error.operation} failed with {error.code}: {error.message}",
        operation=error.operation, code=error.code,
    )  # fmt: skip


# Acting on an outcome: the step's record and the run's (and its account's) state.


def _act(
    run: ReplicationRun, call: StepCall, outcome: Outcome, schedule: Callable
) -> ReplicationRun.Status | None:
    """Record the step, then park, retry or fail the run; its status, None if it goes on."""
    match outcome:
        case Done():
            done = outcome.result
            _write_step(run, call, done.status, done.remark, done.detail)
            return None
        case Waiting():
            _write_step(run, call, ReplicationStep.Status.WAITING, outcome.remark)
            _park(run, outcome.retry_in, schedule, outcome)
            return ReplicationRun.Status.WAITING
        case Retry():
            _write_step(run, call, ReplicationStep.Status.FAILED, outcome.remark, outcome.detail)
            _park(run, outcome.delay, schedule, retry_error=outcome.remark)
            return ReplicationRun.Status.WAITING
        case Failed():
            _write_step(run, call, outcome.step_status, outcome.remark, outcome.detail)
            _fail(run, call.name, outcome.run_error, outcome.operation, outcome.code)
            return ReplicationRun.Status.FAILED


def _write_step(
    run: ReplicationRun, call: StepCall, status: ReplicationStep.Status, remark: str,
    detail: str = "",
) -> None:  # fmt: skip
    try:
        ReplicationStep.objects.create(
            run=run, attempt=run.attempt, position=call.position, name=call.name, status=status,
            started_at=call.started, finished_at=timezone.now(), remark=remark, detail=detail,
            aws_calls=[each.as_dict() for each in call.calls],
        )  # fmt: skip
    except DatabaseError as error:
        _database_refused(run, call.name, error)
        raise


def _database_refused(run: ReplicationRun, step: str, error: DatabaseError) -> None:
    """A step could not be written (a killed connection, a fail-over): fail the run visibly.

    If the database does not answer on a fresh connection either, the run stays `running`
    and its lease lets the sweep re-claim it once the database is back.
    """
    logger.error("replication run %s could not record step %s: %s", run.pk, step, error)
    if not connection.in_atomic_block:
        connection.close()  # a killed connection stays broken; the next query opens a new one
    try:
        _fail(
            run, step, f"the database refused to record step {step} ({type(error).__name__}); "
            "re-sync to retry",
        )  # fmt: skip
    except DatabaseError:
        logger.exception("replication run %s left to its lease: the database is gone", run.pk)


def _finish(run: ReplicationRun, status: ReplicationRun.Status, **fields) -> None:
    ReplicationRun.objects.filter(pk=run.pk).update(
        status=status, finished_at=timezone.now(), lease_expires_at=None,
        updated_at=timezone.now(), **fields,
    )  # fmt: skip


def _park(
    run: ReplicationRun, delay: timedelta, schedule: Callable, waiting: Waiting | None = None,
    retry_error: str = "",
) -> None:  # fmt: skip
    """Leave the run waiting for its next attempt, counting a wait in line or a timed wait."""
    fields = {"status": ReplicationRun.Status.WAITING, "lease_expires_at": None}
    if waiting is not None and waiting.in_line:
        fields["waits_in_line"] = F("waits_in_line") + 1
    if waiting is not None and waiting.wait_kind:
        fields.update(
            timed_waits=F("timed_waits") + 1, wait_kind=waiting.wait_kind,
            waiting_since=waiting.waiting_since,
        )  # fmt: skip
    due = timezone.now() + delay
    fields["next_attempt_at"], fields["updated_at"] = due, timezone.now()
    ReplicationRun.objects.filter(pk=run.pk).update(**fields)
    set_account_status(run, *parked_status(waiting, retry_error), next_attempt_at=due)
    schedule(run, delay)


def _fail(run: ReplicationRun, step: str, message: str, operation: str = "", code: str = ""):
    _finish(
        run, ReplicationRun.Status.FAILED, error=message, error_step=step,
        error_operation=operation, error_code=code,
    )  # fmt: skip
    set_account_status(run, ProjectAccount.Status.FAILED, message)


# Creation slots that come free: the queued runs that get them, and the hand-off.


def _queued_runs_to_start(account: ProjectAccount) -> list[ReplicationRun]:
    """A creation slot came free: the queued runs that get the free slots (marked due now)."""
    runs: list[ReplicationRun] = []
    try:
        start_queued_creations(account.platform_id, runs.append, caller_account_id=account.pk)
    except Exception:
        # Queued runs still re-check on their own (QUEUED_RECHECK); this run goes on.
        logger.exception("replication run of account %s could not wake queued creations",
                         account.pk)  # fmt: skip
    return runs


# Set while a job runs a queued run it handed its creation slot to: that run queues the
# ones it frees itself, so hand-offs never nest.
_handing_off: contextvars.ContextVar[bool] = contextvars.ContextVar("handing_off", default=False)


def _start(runs: list[ReplicationRun], *, schedule, wake, hand_off: bool) -> None:
    """Start the woken runs: with `hand_off` the first in this job, the others queued now."""
    if wake is None or not runs:
        return
    first = runs[0] if hand_off and not _handing_off.get() else None
    for run in runs[1:] if first else runs:
        try:
            wake(run)
        except Exception:
            logger.exception("could not queue woken run %s; the sweep will", run.pk)
    if first is None:
        return
    # Its creation starts before this run goes on, so the slot does not stay empty while
    # this worker finishes this account (with one worker, nobody else would fill it).
    token = _handing_off.set(True)
    try:
        execute(first.pk, schedule=schedule, wake=wake, expected_attempt=first.attempt)
    except Exception:
        logger.exception("replication run %s, started in a hand-off, crashed", first.pk)
    finally:
        _handing_off.reset(token)
