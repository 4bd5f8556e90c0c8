"""Asking for replication: one run at a time per account, enqueued after commit."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from accounts.models import ProjectAccount
from audit.services import audit_event_create
from replication import jobs
from replication.models import ReplicationBatch, ReplicationRun


def request_replication(
    *,
    account: ProjectAccount,
    trigger: str,
    actor: AbstractBaseUser | None,
    audited: bool = True,
) -> tuple[ReplicationRun, bool]:
    """The account's pending or running run, joined, or a new one enqueued after commit.

    Returns the run and whether it is new. Requests by people are audited (a batch audits
    itself once instead: `audited=False`).
    """
    with transaction.atomic():
        active = ReplicationRun.objects.filter(
            account=account, status__in=ReplicationRun.ACTIVE
        ).first()
        if active is not None:
            return active, False
        try:
            with transaction.atomic():
                run = ReplicationRun.objects.create(
                    account=account, trigger=trigger, requested_by=actor
                )
        except IntegrityError:
            # Another request created the account's run between our read and our insert.
            return ReplicationRun.objects.get(
                account=account, status__in=ReplicationRun.ACTIVE
            ), False
        if actor is not None and audited:
            audit_event_create(
                actor=actor, action="replication.request", object_type="project_account",
                object_id=account.pk, object_repr=str(account),
                after={"run": str(run.pk), "trigger": trigger},
            )  # fmt: skip
        transaction.on_commit(lambda: jobs.enqueue(run))
    return run, True


def request_replication_of_many(
    *, accounts, trigger: str, actor: AbstractBaseUser | None
) -> list[ReplicationRun]:
    """request_replication for each account; the runs, new or joined."""
    return [
        request_replication(account=account, trigger=trigger, actor=actor)[0]
        for account in accounts
    ]


@transaction.atomic
def resync_batch_create(
    *, accounts, description: str, actor: AbstractBaseUser | None
) -> ReplicationBatch:
    """Re-sync many accounts as one batch whose progress can be followed; audited once."""
    batch = ReplicationBatch.objects.create(description=description[:200], requested_by=actor)
    runs = [
        request_replication(
            account=account, trigger=ReplicationRun.Trigger.RESYNC, actor=actor, audited=False
        )[0]
        for account in accounts
    ]
    batch.runs.add(*runs)
    audit_event_create(
        actor=actor, action="replication.request_batch", object_type="replication_batch",
        object_id=batch.pk, object_repr=batch.description,
        after={"accounts": len(runs), "batch": str(batch.pk)},
    )  # fmt: skip
    return batch
