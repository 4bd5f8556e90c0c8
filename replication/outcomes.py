"""What one step's call came to, as a value: done, waiting, retry or failed.

The engine turns what a step returns or raises into one of these values, then acts on it in
one place (`engine._act`): it records the step, and parks, retries, fails or continues the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from replication.models import ReplicationStep
from replication.steps.base import StepResult


@dataclass(frozen=True)
class Done:
    """The step did its work (ok, changed, skipped or warning): record it, go on to the next."""

    result: StepResult


@dataclass(frozen=True)
class Waiting:
    """AWS, an AVM or the creation gate is not ready: record the step waiting, park the run.

    `in_line`: waiting for a creation slot, which never counts towards giving up.
    `wait_kind`/`waiting_since`: a timed wait and when the run began it (its deadline counts
    from then); its attempts do not count either.
    """

    remark: str
    retry_in: timedelta
    in_line: bool = False
    wait_kind: str = ""
    waiting_since: datetime | None = None


@dataclass(frozen=True)
class Retry:
    """A transient AWS error: record the step failed, try the run again after `delay`."""

    remark: str
    delay: timedelta
    detail: str = ""


@dataclass(frozen=True)
class Failed:
    """The run ends here: record the step, fail the run with `error` (else the step's remark).

    `crash`: not an AWS answer but a bug; raised again once the run is failed, so the job
    shows it.
    """

    remark: str
    error: str = ""
    detail: str = ""
    operation: str = ""
    code: str = ""
    step_status: ReplicationStep.Status = ReplicationStep.Status.FAILED
    crash: Exception | None = None

    @property
    def run_error(self) -> str:
        """The message the failed run shows."""
        return self.error or self.remark


Outcome = Done | Waiting | Retry | Failed
