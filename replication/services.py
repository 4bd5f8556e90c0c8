"""Asking for replication: one run at a time per account, enqueued after commit.

The run's purpose follows the account's lifecycle (replication.runs): a retirement run for an
account being retired, none for a deleted or detached one.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
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
) -> tuple[ReplicationRun | None, bool]:
    """The account's pending or running run, joined, or a new one enqueued after commit.

    Returns the run and whether it is new; (None, False) for a deleted or detached account,
    which meshaws no longer replicates. Requests by people are audited (a batch audits itself
    once instead: `audited=False`).
    """
    with transaction.atomic():
        run, created = open_run(account=account, trigger=trigger, actor=actor)
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


def request_replication_of_many(
    *, accounts, trigger: str, actor: AbstractBaseUser | None
) -> list[ReplicationRun]:
    """request_replication for each account; the runs, new or joined (none for an account
    no longer managed)."""
    runs = (
        request_replication(account=account, trigger=trigger, actor=actor)[0]
        for account in accounts
    )
    return [run for run in runs if run is not None]


@transaction.atomic
def resync_batch_create(
    *, accounts, description: str, actor: AbstractBaseUser | None
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
        after={"accounts": len(runs), "batch": str(batch.pk)},
    )  # fmt: skip
    return batch
