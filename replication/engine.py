"""Runs one replication run: claim it, run the steps, record each, decide wait/retry/fail."""

from __future__ import annotations

import contextvars
import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection
from django.db.models import F, Q
from django.utils import timezone

import aws
from accounts.models import ProjectAccount
from platforms.access import platform_access
from replication.models import ReplicationRun, ReplicationStep

from .creation_gate import start_queued_creations
from .desired import for_account
from .steps import STEPS, RunContext, StepFailed, StepResult, StepWaiting

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


def _record(
    run: ReplicationRun, position: int, name: str, started, calls, status, remark, detail=""
):
    try:
        ReplicationStep.objects.create(
            run=run, attempt=run.attempt, position=position, name=name, status=status,
            started_at=started, finished_at=timezone.now(), remark=remark, detail=detail,
            aws_calls=[call.as_dict() for call in calls],
        )  # fmt: skip
    except DatabaseError as error:
        _database_refused(run, name, error)
        raise


def _database_refused(run: ReplicationRun, step: str, error: DatabaseError) -> None:
    """A step could not be recorded (a killed connection, a fail-over): fail the run visibly.

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


def _set_account_status(run: ReplicationRun, status: str) -> None:
    ProjectAccount.objects.filter(pk=run.account_id).update(status=status)


def _finish(run: ReplicationRun, status: str, **fields) -> None:
    ReplicationRun.objects.filter(pk=run.pk).update(
        status=status, finished_at=timezone.now(), lease_expires_at=None, **fields
    )


def _park(
    run: ReplicationRun,
    delay: timedelta,
    schedule: Callable,
    in_line: bool = False,
    wait: tuple[str, datetime] | None = None,
) -> None:
    """Leave the run waiting for its next attempt; `wait`: the timed wait (kind, began) it is in."""
    fields = {"status": ReplicationRun.Status.WAITING, "lease_expires_at": None}
    if in_line:
        fields["waits_in_line"] = F("waits_in_line") + 1
    if wait is not None:
        fields.update(timed_waits=F("timed_waits") + 1, wait_kind=wait[0], waiting_since=wait[1])
    fields["next_attempt_at"] = timezone.now() + delay
    ReplicationRun.objects.filter(pk=run.pk).update(**fields)
    _set_account_status(run, ProjectAccount.Status.WAITING)
    schedule(run, delay)


def _wait_with_deadline(run, position, name, started, calls, waiting, schedule) -> str:
    """A wait for AWS or an AVM: park the run until its next poll, or fail it at the deadline.

    The deadline counts from when the run began this kind of wait (its attempts do not count
    towards the limit), and the next poll never comes later than the deadline.
    """
    deadline, now = waiting.deadline, timezone.now()
    began = run.waiting_since if run.wait_kind == deadline.kind and run.waiting_since else now
    due = began + deadline.timeout
    if now >= due:
        _record(run, position, name, started, calls, "failed", deadline.message, waiting.remark)
        _fail(run, name, deadline.message)
        return ReplicationRun.Status.FAILED
    _record(run, position, name, started, calls, "waiting", waiting.remark)
    _park(run, min(waiting.retry_in, due - now), schedule, wait=(deadline.kind, began))
    return ReplicationRun.Status.WAITING


def _fail(run: ReplicationRun, step: str, message: str, operation: str = "", code: str = ""):
    _finish(
        run, ReplicationRun.Status.FAILED, error=message, error_step=step,
        error_operation=operation, error_code=code,
    )  # fmt: skip
    _set_account_status(run, ProjectAccount.Status.FAILED)


def _queued_runs_to_start(context: RunContext) -> list[ReplicationRun]:
    """After a creation ended: the queued runs that get the free slots (marked due now)."""
    if not context.creation_ended:
        return []
    context.creation_ended = False
    runs: list[ReplicationRun] = []
    try:
        start_queued_creations(
            context.account.platform_id, runs.append, caller_account_id=context.account.pk
        )
    except Exception:
        # Queued runs still re-check on their own (QUEUED_RECHECK); this run goes on.
        logger.exception("replication run of account %s could not wake queued creations",
                         context.account.pk)  # fmt: skip
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


def execute(
    run_id,
    *,
    schedule: Callable[[ReplicationRun, timedelta], None],
    wake: Callable[[ReplicationRun], None] | None = None,
    expected_attempt: int | None = None,
    hand_off: bool = False,
) -> str | None:
    """Run the steps of `run_id` once; returns the run's status afterwards, None if not claimed.

    `schedule(run, delay)` enqueues the same run again (the job layer passes enqueue_in);
    `wake(run)` queues a waiting run now (used to start queued creations when one ends);
    with `hand_off`, the first queued run a finished creation wakes runs in this call.
    """
    run = claim(run_id, expected_attempt)
    if run is None:
        return None
    account = run.account
    _set_account_status(run, ProjectAccount.Status.IN_PROGRESS)
    context = RunContext(
        account=account, desired=for_account(account), access=platform_access(account.platform),
        attempt=run.attempt, wait_kind=run.wait_kind, waiting_since=run.waiting_since,
    )  # fmt: skip
    for position, (name, step) in enumerate(STEPS, start=1):
        started = timezone.now()
        to_start: list[ReplicationRun] = []
        succeeded = False
        try:
            with aws.recording() as calls:
                try:
                    try:
                        result: StepResult = step(context)
                    finally:
                        to_start = _queued_runs_to_start(context)
                except StepWaiting as waiting:
                    if waiting.deadline is not None:
                        return _wait_with_deadline(
                            run, position, name, started, calls, waiting, schedule
                        )
                    _record(run, position, name, started, calls, "waiting", waiting.remark)
                    if run.counted_attempts >= MAX_ATTEMPTS and not waiting.queued:
                        _fail(
                            run, name,
                            f"gave up after {run.counted_attempts} attempts: {waiting.remark}",
                        )  # fmt: skip
                        return ReplicationRun.Status.FAILED
                    _park(run, waiting.retry_in, schedule, in_line=waiting.queued)
                    if waiting.queued:
                        # A slot that came free between the gate check and the park woke nobody.
                        context.creation_ended = True
                        to_start += _queued_runs_to_start(context)
                    return ReplicationRun.Status.WAITING
                except StepFailed as failure:
                    _record(run, position, name, started, calls, "failed", failure.message)
                    _fail(run, name, failure.message, failure.operation, failure.code)
                    return ReplicationRun.Status.FAILED
                except aws.AwsError as error:
                    if error.transient and run.counted_attempts < MAX_ATTEMPTS:
                        delay = retry_delay(run.counted_attempts)
                        _record(
                            run, position, name, started, calls, "failed",
                            f"{error.operation} failed with {error.code} (transient); the run is "
                            f"retried in {delay.total_seconds():.0f} s",
                            detail=error.message,
                        )  # fmt: skip
                        _park(run, delay, schedule)
                        return ReplicationRun.Status.WAITING
                    message = f"{error.operation} failed with {error.code}: {error.message}"
                    _record(run, position, name, started, calls, "failed", message)
                    _fail(run, name, message, error.operation, error.code)
                    return ReplicationRun.Status.FAILED
                except IntegrityError as refused:
                    # A constraint said no (two project accounts claiming one AWS account, say):
                    # the step's write was rolled back; this run fails, and nothing crashes.
                    message = (
                        f"the database refused what step {name} saved "
                        f"({' '.join(str(refused).split())}); re-sync to retry"
                    )
                    logger.warning("replication run %s: %s", run.pk, message)
                    _record(run, position, name, started, calls, "failed", message)
                    _fail(run, name, message)
                    return ReplicationRun.Status.FAILED
                except Exception as crash:
                    # Not an AWS answer: a bug or a lost database. Recorded, then re-raised so the
                    # job shows it; the account's ids were committed as they arrived.
                    logger.exception("replication run %s crashed in step %s", run.pk, name)
                    _record(
                        run,
                        position,
                        name,
                        started,
                        calls,
                        "failed",
                        f"internal error: {type(crash).__name__}",
                    )
                    _fail(
                        run,
                        name,
                        f"internal error in step {name}: {type(crash).__name__}; re-sync to retry",
                    )
                    raise
                _record(
                    run, position, name, started, calls, result.status, result.remark, result.detail
                )
                succeeded = True
        finally:
            _start(to_start, schedule=schedule, wake=wake, hand_off=hand_off and succeeded)
    _finish(run, ReplicationRun.Status.SUCCEEDED)
    return ReplicationRun.Status.SUCCEEDED
