"""Reads of the accounts app, with their related rows fetched once."""

from __future__ import annotations

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    prefetch_related_objects,
)

from .models import (
    AccountRetirement,
    Binding,
    Customer,
    Project,
    ProjectAccount,
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


def status_totals(accounts: QuerySet[ProjectAccount]) -> dict[str, int]:
    """How many of `accounts` are in each status (one query), every status present."""
    counted = dict(
        accounts.order_by()
        .values_list("status")
        .annotate(count=Count("pk"))
        .values_list("status", "count")
    )
    return {status: counted.get(status, 0) for status, _ in ProjectAccount.Status.choices}


def project_account(
    pk: int, *, with_role_mappings: bool = False, with_retirement_flag: bool = False
) -> ProjectAccount | None:
    """One project account (deleted ones too) with its project, platform and landing zone; and
    `has_retirements`, whether it was ever asked to retire, when `with_retirement_flag`."""
    accounts = ProjectAccount.objects.select_related(
        "project__customer", "platform__location", "landing_zone"
    )
    if with_retirement_flag:
        retirements = AccountRetirement.objects.filter(account=OuterRef("pk"))
        accounts = accounts.annotate(has_retirements=Exists(retirements))
    account = accounts.filter(pk=pk).first()
    if account is not None and with_role_mappings:
        # Only the mappings in effect: the landing zone's when they replace the platform's.
        zone = account.landing_zone
        effective = "landing_zone" if zone.replaces_role_mappings else "platform"
        prefetch_related_objects([account], f"{effective}__role_mappings")
    return account
