"""What to fix for a failed or retrying run, from the catalogue the connection check also reads
(platforms.advice): the run's error code, operation and step, or a retrying run's error.

A failed run keeps its step, operation and code. A retrying run's error is in its account's
status message and in the remark of its latest failed step ("<Operation> failed with <Code>
(transient)…", replication.engine), whose AWS calls name the code as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from accounts.models import ProjectAccount
from platforms.advice import Advice, what_to_fix
from replication.models import ReplicationRun, ReplicationStep

# The engine's words for an AWS error: "<Operation> failed with <Code>" (then ": …" or " (…").
_AWS_ERROR = re.compile(r"\b(?P<operation>[A-Z][A-Za-z0-9]+) failed with (?P<code>[A-Za-z0-9_.]+)")


@dataclass(frozen=True)
class RunAdvice:
    """What to fix for one run: the error it answers (code, operation, step) and the advice."""

    advice: Advice
    code: str = ""
    operation: str = ""
    step: str = ""
    retrying: bool = False


def error_in(text: str) -> tuple[str, str]:
    """(operation, code) of the AWS error the engine wrote into `text`; ("", "") if none."""
    found = _AWS_ERROR.search(text or "")
    return (found["operation"], found["code"]) if found else ("", "")


def advice_for(*, code: str = "", step: str = "", operation: str = "", message: str = "") -> Advice:
    """The catalogue's advice; the operation and code not given are read from `message`."""
    found_operation, found_code = error_in(message)
    return what_to_fix(code or found_code, step=step, operation=operation or found_operation)


def _last_failed_step(steps) -> ReplicationStep | None:
    failed = [step for step in steps if step.status == ReplicationStep.Status.FAILED]
    return failed[-1] if failed else None


def run_advice(run: ReplicationRun | None, account: ProjectAccount, steps=()) -> RunAdvice | None:
    """What to fix for `run`: a failed run, or the waiting run of a retrying account (its
    latest attempt's `steps`, already read); None for any other run."""
    if run is None:
        return None
    if run.status == ReplicationRun.Status.FAILED:
        code, operation, step = run.error_code, run.error_operation, run.error_step
        return RunAdvice(what_to_fix(code, step=step, operation=operation), code, operation, step)
    retrying = account.status == ProjectAccount.Status.RETRYING
    if run.status != ReplicationRun.Status.WAITING or not retrying:
        return None
    failed = _last_failed_step(steps)
    operation, code = error_in(failed.remark if failed else account.status_message)
    if failed is not None and not code:
        errors = [call for call in failed.aws_calls or [] if call.get("error_code")]
        if errors:
            operation, code = errors[-1].get("operation", ""), errors[-1]["error_code"]
    step = failed.name if failed else ""
    return RunAdvice(
        what_to_fix(code, step=step, operation=operation), code, operation, step, retrying=True
    )
