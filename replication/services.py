"""Asking for replication: one run at a time per account, enqueued after commit.

The run's purpose follows the account's lifecycle (replication.runs): a retirement run for an
account being retired, none for a deleted or detached one.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ProjectAccount
from audit.services import audit_event_create
from replication import jobs
from replication.models import ReplicationBatch, ReplicationRun
from replication.runs import open_run


def request_replication(
    *,
    account: ProjectAccount,
    trigger: str,
    actor: AbstractBaseUser | None,
    audited: bool = True,
    cause=None,
) -> tuple[ReplicationRun | None, bool]:
    """The account's pending or running run, joined, or a new one enqueued after commit.

    Returns the run and whether it is new; (None, False) for a deleted or detached account,
    which meshaws no longer replicates. Requests by people are audited (a batch audits itself
    once instead: `audited=False`).
    """
    with transaction.atomic():
        run, created = open_run(account=account, trigger=trigger, actor=actor, cause=cause)
        if run is None:
            return None, False
        if not created:
            _hurry_to_retirement(run)
            return run, False
        if actor is not None and audited:
            audit_event_create(
                actor=actor, action="replication.request", object_type="project_account",
                object_id=account.pk, object_repr=str(account),
                after={"run": str(run.pk), "trigger": trigger, "purpose": run.purpose},
            )  # fmt: skip
        transaction.on_commit(lambda: jobs.enqueue(run))
    return run, True


def _hurry_to_retirement(run: ReplicationRun) -> None:
    """A parked converge run of an account now being retired is woken: it ends at once, and
    its retirement run follows (instead of after its wait, in line for a creation slot say)."""
    waiting = run.status == ReplicationRun.Status.WAITING
    if run.purpose != ReplicationRun.Purpose.CONVERGE or not waiting:
        return
    retiring = ProjectAccount.objects.filter(
        pk=run.account_id, lifecycle=ProjectAccount.Lifecycle.RETIRING
    ).exists()
    # Compare-and-set on the attempt: a run claimed meanwhile is not woken twice.
    if retiring and ReplicationRun.objects.filter(
        pk=run.pk, status=ReplicationRun.Status.WAITING, attempt=run.attempt
    ).update(next_attempt_at=timezone.now()):
        transaction.on_commit(lambda: jobs.wake(run))


def run_retry_now(*, run: ReplicationRun, actor: AbstractBaseUser | None) -> ReplicationRun:
    """Make a parked (waiting or retrying) run due now and queue its next attempt; audited.

    A run that is not waiting is refused with a ValidationError naming `run`.
    """
    with transaction.atomic():
        found = ReplicationRun.objects.filter(pk=run.pk).values("status", "attempt").first()
        now = timezone.now()
        # Compare-and-set on the attempt: a run a worker claimed meanwhile is not woken.
        woken = found is not None and ReplicationRun.objects.filter(
            pk=run.pk, status=ReplicationRun.Status.WAITING, attempt=found["attempt"]
        ).update(next_attempt_at=now, updated_at=now)
        if not woken:
            status = found["status"] if found else "gone"
            raise ValidationError(
                {"run": f"run {str(run.pk)[:8]} is {status}, not waiting: only a waiting or "
                 "retrying run can be retried now"}
            )  # fmt: skip
        run.refresh_from_db()
        ProjectAccount.objects.filter(pk=run.account_id).update(next_attempt_at=now, updated_at=now)
        audit_event_create(
            actor=actor, action="replication.retry_now", object_type="project_account",
            object_id=run.account_id, object_repr=str(run.account),
            after={"run": str(run.pk), "attempt": run.attempt},
        )  # fmt: skip
        transaction.on_commit(lambda: jobs.wake(run))
    return run


def request_replication_of_many(
    *, accounts, trigger: str, actor: AbstractBaseUser | None, cause=None
) -> list[ReplicationRun]:
    """request_replication for each account; the runs, new or joined (none for an account
    no longer managed). `cause`: the audit event of the change that asked for them."""
    runs = (
        request_replication(account=account, trigger=trigger, actor=actor, cause=cause)[0]
        for account in accounts
    )
    return [run for run in runs if run is not None]


@transaction.atomic
def resync_batch_create(
    *,
    accounts,
    description: str,
    actor: AbstractBaseUser | None,
    retry_of: ReplicationBatch | None = None,
) -> ReplicationBatch:
    """Re-sync many accounts as one batch whose progress can be followed; audited once."""
    batch = ReplicationBatch.objects.create(description=description[:200], requested_by=actor)
    requested = (
        request_replication(
            account=account, trigger=ReplicationRun.Trigger.RESYNC, actor=actor, audited=False
        )[0]
        for account in accounts
    )
    runs = [run for run in requested if run is not None]
    batch.runs.add(*runs)
    audit_event_create(
        actor=actor, action="replication.request_batch", object_type="replication_batch",
        object_id=batch.pk, object_repr=batch.description,
        after={"accounts": len(runs), "batch": str(batch.pk)}
        | ({"retry_of": str(retry_of.pk)} if retry_of is not None else {}),
    )  # fmt: skip
    return batch


def resync_batch_retry_failed(
    *, batch: ReplicationBatch, actor: AbstractBaseUser | None
) -> ReplicationBatch:
    """Re-sync exactly the live accounts whose run in `batch` failed, as a new batch."""
    failed = batch.runs.filter(status=ReplicationRun.Status.FAILED)
    accounts = list(
        ProjectAccount.objects.filter(deleted_at__isnull=True, runs__in=failed)
        .distinct()
        .order_by("pk")
    )
    if not accounts:
        raise ValidationError({"batch": f"no account failed in the batch {batch.description!r}"})
    return resync_batch_create(
        accounts=accounts, description=f"retry of the failed: {batch.description}",
        actor=actor, retry_of=batch,
    )  # fmt: skip
