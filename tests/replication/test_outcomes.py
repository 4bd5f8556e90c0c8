"""A step's end becomes one outcome value, decided without touching the database."""

from datetime import timedelta

from django.utils import timezone

import aws
from replication import engine
from replication.models import ReplicationRun, ReplicationStep
from replication.outcomes import Done, Failed, Retry, Waiting
from replication.steps import StepResult, StepWaiting
from replication.steps.base import Deadline

CREATION = Deadline("creation", timedelta(hours=1), "AWS took too long")


def ending(run: ReplicationRun, end) -> object:
    """The outcome of a step that raises `end` (an exception) or returns it."""

    def step(ctx):
        if isinstance(end, Exception):
            raise end
        return end

    return engine._outcome(run, "tags", step, context=None)


def test_a_step_result_is_done():
    result = StepResult(ReplicationStep.Status.CHANGED, "set 1 tag", detail="set: ['a']")
    assert ending(ReplicationRun(attempt=1), result) == Done(result)


def test_a_timed_wait_is_waiting_until_its_deadline_then_failed():
    began = timezone.now() - timedelta(minutes=59, seconds=30)
    run = ReplicationRun(attempt=30, wait_kind="creation", waiting_since=began)
    waiting = ending(run, StepWaiting("AWS is creating", timedelta(minutes=2), deadline=CREATION))
    # Its attempts do not count, and the next poll comes no later than the deadline.
    assert (type(waiting), waiting.wait_kind, waiting.waiting_since) == (Waiting, "creation", began)
    assert waiting.retry_in <= timedelta(seconds=30)

    run.waiting_since = began - timedelta(minutes=1)
    assert ending(run, StepWaiting("AWS is creating", timedelta(minutes=2), deadline=CREATION)) == (
        Failed("AWS took too long", detail="AWS is creating")
    )


def test_a_wait_in_line_never_gives_up_and_a_counted_wait_does():
    run = ReplicationRun(attempt=engine.MAX_ATTEMPTS)
    in_line = ending(run, StepWaiting("queued", timedelta(minutes=5), queued=True))
    assert in_line == Waiting("queued", timedelta(minutes=5), in_line=True)

    given_up = ending(run, StepWaiting("busy", timedelta(seconds=5)))
    assert (type(given_up), given_up.step_status, given_up.run_error) == (
        Failed, ReplicationStep.Status.WAITING, f"gave up after {engine.MAX_ATTEMPTS} attempts: busy"
    )  # fmt: skip


def test_a_transient_aws_error_is_retried_until_the_attempts_run_out():
    throttled = aws.AwsError("TagResource", "Throttling", "slow down", transient=True)
    retry = ending(ReplicationRun(attempt=1), throttled)
    assert (type(retry), retry.detail) == (Retry, "slow down")
    assert ending(ReplicationRun(attempt=engine.MAX_ATTEMPTS), throttled) == Failed(
        "TagResource failed with Throttling: slow down", operation="TagResource", code="Throttling"
    )


def test_a_crash_is_failed_and_carries_the_error_to_raise_again():
    crash = RuntimeError("a bug")
    failed = ending(ReplicationRun(attempt=1), crash)
    assert (failed.remark, failed.run_error, failed.crash) == (
        "internal error: RuntimeError",
        "internal error in step tags: RuntimeError; re-sync to retry",
        crash,
    )
