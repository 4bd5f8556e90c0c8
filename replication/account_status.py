"""The status a run gives its project account: queued, running, waiting for AWS, retrying,
failed, ready or ready with warnings, with why and until when.

The engine calls these as a run moves; when a run ends (failed or ready) the apps above are
told through replication.signals.account_status_changed.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone

from accounts.models import ProjectAccount
from replication.models import LeftBehindResource, ReplicationRun, ReplicationStep

from .outcomes import Waiting
from .signals import account_status_changed

logger = logging.getLogger(__name__)

# The statuses a run ends in: the apps above hear of them.
SETTLED = (
    ProjectAccount.Status.FAILED,
    ProjectAccount.Status.READY,
    ProjectAccount.Status.READY_WITH_WARNINGS,
)


def set_account_status(
    run: ReplicationRun, status: ProjectAccount.Status, message: str = "",
    next_attempt_at: datetime | None = None, **fields,
) -> None:  # fmt: skip
    """Write the account's status with why and until when; tell the apps above when a run
    ended (failed or ready)."""
    now = timezone.now()
    ProjectAccount.objects.filter(pk=run.account_id).update(
        status=status, status_message=message[:2000], next_attempt_at=next_attempt_at,
        updated_at=now, **fields,
    )  # fmt: skip
    account = run.account
    fields.update(status=status, status_message=message, next_attempt_at=next_attempt_at)
    for name, value in fields.items():
        setattr(account, name, value)
    if status in SETTLED:
        _announce(run, status)


def _announce(run: ReplicationRun, status: str) -> None:
    """Send account_status_changed with the status the account had when its last run before
    this one ended (failed or ready; None for its first)."""
    try:
        previous = (
            ReplicationRun.objects.filter(account_id=run.account_id, finished_at__isnull=False)
            .exclude(pk=run.pk).order_by("-finished_at").values_list("status", flat=True).first()
        )  # fmt: skip
        old = {
            ReplicationRun.Status.FAILED: ProjectAccount.Status.FAILED,
            ReplicationRun.Status.SUCCEEDED: ProjectAccount.Status.READY,
        }.get(previous)
        account_status_changed.send(
            sender=ProjectAccount, account=run.account, old=old, new=status, run=run
        )
    except Exception:
        # A notification must never change how the run ended.
        logger.exception("replication run %s: announcing its end failed", run.pk)


def settle_ready(run: ReplicationRun) -> None:
    """A finished converge run leaves the account ready, with warnings when a step of its
    last attempt left AWS different from the configuration or resources were left behind."""
    if run.purpose != ReplicationRun.Purpose.CONVERGE:
        return
    warnings = (
        ReplicationStep.objects.filter(
            run=run, attempt=run.attempt, status=ReplicationStep.Status.WARNING
        ).count()
        + LeftBehindResource.objects.filter(account_id=run.account_id).count()
    )
    status = ProjectAccount.Status.READY_WITH_WARNINGS if warnings else ProjectAccount.Status.READY
    message = f"{warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""
    set_account_status(run, status, message, warnings=min(warnings, 32767),
                        last_run_at=timezone.now())  # fmt: skip


def parked_status(waiting: Waiting | None, retry_error: str) -> tuple[str, str]:
    """The status of an account whose run is parked, and why: queued for a creation slot,
    waiting for AWS, or retrying after a transient error."""
    if waiting is None:
        return ProjectAccount.Status.RETRYING, retry_error
    if waiting.in_line:
        return ProjectAccount.Status.QUEUED, waiting.remark
    return ProjectAccount.Status.WAITING_FOR_AWS, waiting.remark
