"""Reads of the accounts app, with their related rows fetched once."""

from __future__ import annotations

from datetime import datetime

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)

from .models import (
    Binding,
    Customer,
    Project,
    ProjectAccount,
    ReplicationBatch,
    ReplicationRun,
    ReplicationStep,
)


def project_by_full_identifier(full_identifier: str) -> Project | None:
    """The project named `<customer>.<project>`, or None."""
    customer, _, project = full_identifier.partition(".")
    return (
        Project.objects.select_related("customer")
        .filter(customer__identifier=customer, identifier=project)
        .first()
    )


def project_accounts() -> QuerySet[ProjectAccount]:
    """Live project accounts with project, customer, platform, location and landing zone."""
    return (
        ProjectAccount.objects.filter(deleted_at__isnull=True)
        .select_related("project__customer", "platform__location", "landing_zone")
        .order_by("project__customer__identifier", "project__identifier", "platform_id")
    )


def customer_list() -> QuerySet[Customer]:
    """Customers with their number of projects."""
    return Customer.objects.annotate(project_count=Count("projects")).order_by("identifier")


def project_list(*, customer: str = "", search: str = "") -> QuerySet[Project]:
    """Projects, filtered by customer identifier and a text search, with counts."""
    projects = Project.objects.select_related("customer").annotate(
        binding_count=Count("bindings", distinct=True),
        account_count=Count("accounts", filter=Q(accounts__deleted_at__isnull=True), distinct=True),
    )
    if customer:
        projects = projects.filter(customer__identifier=customer)
    if search:
        projects = projects.filter(
            Q(identifier__icontains=search)
            | Q(display_name__icontains=search)
            | Q(customer__identifier__icontains=search)
        )
    return projects.order_by("customer__identifier", "identifier")


def project_bindings(project: Project) -> QuerySet[Binding]:
    """A project's bindings with their roles."""
    return project.bindings.select_related("role").order_by("role__rank", "user")


ACCOUNT_FILTERS = ("customer", "project", "platform", "landing_zone", "status", "q")


def filtered_project_accounts(params) -> QuerySet[ProjectAccount]:
    """Live accounts narrowed by the accounts list's filters (identifiers and a text search)."""
    accounts = project_accounts()
    customer = params.get("customer", "").strip()
    if customer:
        accounts = accounts.filter(project__customer__identifier=customer)
    project = params.get("project", "").strip()
    if project:
        accounts = accounts.filter(project__identifier=project)
    platform = params.get("platform", "").strip()
    if platform:
        identifier, _, location = platform.partition(".")
        accounts = accounts.filter(
            platform__identifier=identifier, platform__location__identifier=location
        )
    landing_zone = params.get("landing_zone", "").strip()
    if landing_zone:
        accounts = accounts.filter(landing_zone__identifier=landing_zone)
    status = params.get("status", "").strip()
    if status:
        accounts = accounts.filter(status=status)
    text = params.get("q", "").strip()
    if text:
        accounts = accounts.filter(
            Q(email__icontains=text)
            | Q(alias__icontains=text)
            | Q(aws_account_id__icontains=text)
            | Q(name__icontains=text)
        )
    return accounts


def with_last_run(accounts: QuerySet[ProjectAccount]) -> QuerySet[ProjectAccount]:
    """Annotate each account with its latest run's status and time (two subqueries)."""
    latest = ReplicationRun.objects.filter(account=OuterRef("pk")).order_by("-created_at")
    return accounts.annotate(
        last_run_status=Subquery(latest.values("status")[:1]),
        last_run_created=Subquery(latest.values("created_at")[:1]),
    )


def status_totals(accounts: QuerySet[ProjectAccount]) -> dict[str, int]:
    """How many of `accounts` are in each status (one query), every status present."""
    counted = dict(
        accounts.order_by()
        .values_list("status")
        .annotate(count=Count("pk"))
        .values_list("status", "count")
    )
    return {status: counted.get(status, 0) for status, _ in ProjectAccount.Status.choices}


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


def project_account(pk: int, *, with_role_mappings: bool = False) -> ProjectAccount | None:
    """One project account (deleted ones too) with its project, platform and landing zone."""
    accounts = ProjectAccount.objects.select_related(
        "project__customer", "platform__location", "landing_zone"
    )
    if with_role_mappings:
        accounts = accounts.prefetch_related(
            "platform__role_mappings", "landing_zone__role_mappings"
        )
    return accounts.filter(pk=pk).first()


def run_history(*, account: ProjectAccount | None = None) -> QuerySet[ReplicationRun]:
    """Runs newest first, as the run-history table shows them: who asked, account, duration."""
    runs = ReplicationRun.objects.select_related(
        "requested_by", "account__project__customer", "account__platform__location"
    ).annotate(
        duration=ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    )
    if account is not None:
        runs = runs.filter(account=account)
    return runs.order_by("-created_at")


def account_run(account: ProjectAccount, *, run_id=None) -> ReplicationRun | None:
    """The account's run `run_id`, or its newest run (the one in progress, if any), with steps."""
    runs = (
        ReplicationRun.objects.filter(account=account)
        .select_related("requested_by")
        .prefetch_related(
            Prefetch("steps", queryset=ReplicationStep.objects.order_by("attempt", "position"))
        )
    )
    if run_id is not None:
        return runs.filter(pk=run_id).first()
    return runs.order_by("-created_at").first()


def replication_runs(
    *,
    status: str = "",
    trigger: str = "",
    platform: str = "",
    requested_by: str = "",
    created_from: datetime | None = None,
    created_before: datetime | None = None,
) -> QuerySet[ReplicationRun]:
    """The global run history narrowed by the runs page's filters (`platform` as `aws-prod.eu`)."""
    # Named again here: the runs page shows all of these on every row.
    runs = run_history().select_related(
        "requested_by", "account__project__customer", "account__platform__location"
    )
    if status:
        runs = runs.filter(status=status)
    if trigger:
        runs = runs.filter(trigger=trigger)
    if platform:
        identifier, _, location = platform.rpartition(".")
        runs = runs.filter(
            account__platform__identifier=identifier,
            account__platform__location__identifier=location,
        )
    if requested_by:
        runs = runs.filter(requested_by__username=requested_by)
    if created_from is not None:
        runs = runs.filter(created_at__gte=created_from)
    if created_before is not None:
        runs = runs.filter(created_at__lt=created_before)
    return runs.order_by("-created_at", "-id")
