"""Reads of the replication history: runs, their steps, batches, and accounts' last runs."""

from __future__ import annotations

from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)

from accounts.models import AccountRetirement, ProjectAccount

from .models import ReplicationBatch, ReplicationRun, ReplicationStep


def with_last_run(accounts: QuerySet[ProjectAccount]) -> QuerySet[ProjectAccount]:
    """Annotate each account with its latest run's status and time (two subqueries)."""
    latest = ReplicationRun.objects.filter(account=OuterRef("pk")).order_by("-created_at")
    return accounts.annotate(
        last_run_status=Subquery(latest.values("status")[:1]),
        last_run_created=Subquery(latest.values("created_at")[:1]),
    )


def batch_progress(batch: ReplicationBatch) -> dict[str, int]:
    """A batch's runs: done, failed, remaining and total (one query)."""
    counted = dict(
        batch.runs.order_by()
        .values_list("status")
        .annotate(count=Count("pk"))
        .values_list("status", "count")
    )
    done = counted.get(ReplicationRun.Status.SUCCEEDED, 0)
    failed = counted.get(ReplicationRun.Status.FAILED, 0)
    total = sum(counted.values())
    return {"done": done, "failed": failed, "remaining": total - done - failed, "total": total}


# A batch's accounts, those needing a person first.
BATCH_ORDER = Case(
    When(status=ReplicationRun.Status.FAILED, then=Value(0)),
    When(status__in=ReplicationRun.ACTIVE, then=Value(1)),
    default=Value(2),
)


def batch_runs(batch: ReplicationBatch) -> QuerySet[ReplicationRun]:
    """A batch's runs with their accounts: failed first, then in progress, then succeeded."""
    return (
        batch.runs.select_related("account__project__customer", "account__platform__location")
        .annotate(order=BATCH_ORDER)
        .order_by("order", "account__project__customer__identifier",
                  "account__project__identifier", "account__platform_id")
    )  # fmt: skip


def run_history(*, account: ProjectAccount | None = None) -> QuerySet[ReplicationRun]:
    """Runs newest first, as the run-history table shows them: who asked, account, duration."""
    # The cause's action and actor only: its before and after may hold a whole platform record.
    runs = (
        ReplicationRun.objects.select_related(
            "requested_by", "cause", "account__project__customer", "account__platform__location"
        )
        .defer("cause__before", "cause__after")
        .annotate(
            duration=ExpressionWrapper(
                F("finished_at") - F("started_at"), output_field=DurationField()
            )
        )
    )
    if account is not None:
        runs = runs.filter(account=account)
    return runs.order_by("-created_at")


def with_steps(run: ReplicationRun) -> ReplicationRun:
    """The run, its steps read in their order (one query)."""
    prefetch_related_objects(
        [run], Prefetch("steps", queryset=ReplicationStep.objects.order_by("attempt", "position"))
    )
    return run


def account_run(account: ProjectAccount, *, run_id=None) -> ReplicationRun | None:
    """The account's run `run_id`, or its newest run (the one in progress, if any), with steps."""
    runs = (
        ReplicationRun.objects.filter(account=account)
        .select_related("requested_by", "cause")
        .prefetch_related(
            Prefetch("steps", queryset=ReplicationStep.objects.order_by("attempt", "position"))
        )
    )
    if run_id is not None:
        return runs.filter(pk=run_id).first()
    return runs.order_by("-created_at").first()


def retirements() -> QuerySet[AccountRetirement]:
    """Retirement requests newest first, with account, project, platform, requester and decider,
    and the account's latest run (the one retiring it, once approved): one query."""
    latest = ReplicationRun.objects.filter(account=OuterRef("account")).order_by("-created_at")
    return (
        AccountRetirement.objects.select_related(
            "account__project__customer", "account__platform__location", "requested_by",
            "decided_by",
        )
        .annotate(
            latest_run_id=Subquery(latest.values("pk")[:1]),
            latest_run_status=Subquery(latest.values("status")[:1]),
        )
        .order_by("-requested_at", "-id")
    )  # fmt: skip
