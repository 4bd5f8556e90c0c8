"""Runs and the account's lifecycle: which run an account gets, and which it may not.

- An account being retired (lifecycle `retiring`) gets a retirement run (purpose `retire`);
  any other managed account a converge run. A deleted or detached account gets no run.
- A converge run of an account being retired gives way: it ends at its start, or right
  after its `account` step (so that a creation in flight is followed to its end), and a
  retirement run follows it (`hand_over`).
- The engine ends a run of an account no longer managed without any AWS call
  (`end_at_claim`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import ProjectAccount
from replication.models import ReplicationRun

logger = logging.getLogger(__name__)

Lifecycle = ProjectAccount.Lifecycle
Purpose = ReplicationRun.Purpose
# What the steps a converge run skips for a retirement say.
GIVING_WAY = "the account is being retired"


def purpose_for(lifecycle: str) -> str | None:
    """The purpose of a new run of an account in `lifecycle`; None: it gets no run."""
    if lifecycle == Lifecycle.RETIRING:
        return Purpose.RETIRE
    if lifecycle in ProjectAccount.MANAGED:
        return Purpose.CONVERGE
    return None


def open_run(
    *, account: ProjectAccount, trigger: str, actor: AbstractBaseUser | None, cause=None
) -> tuple[ReplicationRun | None, bool]:
    """The account's active run, or a new one for its lifecycle; (None, False) if it gets none.

    Not queued: the caller queues a new run (after its transaction commits); the account shows
    queued until a worker claims it. `cause`: the audit event of the change that caused it.
    """
    with transaction.atomic():
        lifecycle = (
            ProjectAccount.objects.filter(pk=account.pk).values_list("lifecycle", flat=True).first()
        )
        purpose = purpose_for(lifecycle) if lifecycle else None
        if purpose is None:
            return None, False
        active = ReplicationRun.objects.filter(
            account_id=account.pk, status__in=ReplicationRun.ACTIVE
        ).first()
        if active is not None:
            return active, False
        try:
            with transaction.atomic():
                run = ReplicationRun.objects.create(
                    account_id=account.pk, trigger=trigger, requested_by=actor, purpose=purpose,
                    cause=cause,
                )  # fmt: skip
                queued = {
                    "status": ProjectAccount.Status.QUEUED, "next_attempt_at": None,
                    "status_message": "waiting for a worker", "updated_at": timezone.now(),
                }  # fmt: skip
                ProjectAccount.objects.filter(pk=account.pk).update(**queued)
                for name, value in queued.items():
                    setattr(account, name, value)
        except IntegrityError:
            # Another request created the account's run between our read and our insert.
            return ReplicationRun.objects.get(
                account_id=account.pk, status__in=ReplicationRun.ACTIVE
            ), False
    return run, True


def end_at_claim(run: ReplicationRun) -> tuple[str, str] | None:
    """How the engine ends `run` (just claimed) at once, without any AWS call: its status and
    error; None if the run goes on."""
    account = run.account
    if run.purpose == Purpose.RETIRE and account.lifecycle == Lifecycle.DELETED:
        # Its last step retired the account, and the run was cut off right after.
        return ReplicationRun.Status.SUCCEEDED, ""
    if account.lifecycle in (Lifecycle.DELETED, Lifecycle.DETACHED):
        return ReplicationRun.Status.FAILED, (
            f"the account is {account.get_lifecycle_display()}: meshaws no longer manages it; "
            "the run ended without any AWS call"
        )
    if run.purpose == Purpose.RETIRE and account.lifecycle != Lifecycle.RETIRING:
        return ReplicationRun.Status.FAILED, (
            f"the account is {account.get_lifecycle_display()}, not being retired; the "
            "retirement run ended without any AWS call"
        )
    return None


def gives_way(run: ReplicationRun, *, fresh: bool) -> bool:
    """Whether this converge run must end for the account's retirement.

    `fresh`: the account was read with the claim; otherwise it is read again now.
    """
    if run.purpose != Purpose.CONVERGE:
        return False
    if fresh:
        return run.account.lifecycle == Lifecycle.RETIRING
    return ProjectAccount.objects.filter(pk=run.account_id, lifecycle=Lifecycle.RETIRING).exists()


def hand_over(run: ReplicationRun, schedule: Callable[[ReplicationRun, timedelta], None]) -> None:
    """A converge run has ended: if its account is being retired, its retirement run starts.

    The sweep requests the retirement run of an account left without one (this failed, or the
    worker died first).
    """
    if run.purpose != Purpose.CONVERGE:
        return
    try:
        ended = ReplicationRun.objects.filter(pk=run.pk).exclude(status__in=ReplicationRun.ACTIVE)
        if not ended.exists() or not gives_way(run, fresh=False):
            return
        retirement, created = open_run(
            account=run.account, trigger=ReplicationRun.Trigger.DELETION_APPROVED, actor=None
        )
        if created:
            schedule(retirement, timedelta(0))
    except Exception:
        logger.exception("run %s could not hand its account over to a retirement run", run.pk)


def accounts_left_without_retirement() -> list[ProjectAccount]:
    """Accounts being retired with no run in progress whose last run is not a retirement (or
    that have none): a converge run ended without handing over (its worker died, say).

    A retirement run that failed is tried again by the daily re-sync (a run of an account
    being retired is a retirement), or by a re-sync: not every few minutes.
    """
    latest = ReplicationRun.objects.filter(account=OuterRef("pk")).order_by("-created_at")
    return list(
        ProjectAccount.objects.filter(lifecycle=Lifecycle.RETIRING)
        .exclude(runs__status__in=ReplicationRun.ACTIVE)
        .annotate(latest_purpose=Subquery(latest.values("purpose")[:1]))
        .filter(Q(latest_purpose__isnull=True) | ~Q(latest_purpose=Purpose.RETIRE))
        .select_related("project__customer", "platform__location")
    )
