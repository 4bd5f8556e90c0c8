"""The accounts list with its filters and totals, and re-syncs of many accounts (batches)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions as account_permissions
from accounts import selectors as account_selectors
from accounts.filters import ProjectAccountFilter
from accounts.models import Customer, ProjectAccount
from meshaws_site.api import bound_filters
from platforms.models import PlatformInstance
from platforms.selectors import platform_by_full_identifier
from replication import permissions as replication_permissions
from replication import selectors, services
from replication.models import ReplicationBatch

PAGE_SIZE = 50
MAX_SELECTED = 1000


@permission_required(account_permissions.VIEW_PROJECT_ACCOUNTS, raise_exception=True)
@require_GET
def project_account_list(request):
    """All live accounts: filters, totals per status that follow them, last run, pages."""
    filters = bound_filters(ProjectAccountFilter, request.GET, account_selectors.project_accounts())
    context = {
        "form": filters.form,
        "filters": {name: request.GET.get(name, "") for name in filters.filters},
        "customers": Customer.objects.order_by("identifier").values_list("identifier", flat=True),
        "platforms": PlatformInstance.objects.select_related("location").order_by(
            "location__identifier", "identifier"
        ),
        "statuses": ProjectAccount.Status.choices,
    }
    if not filters.is_valid():
        return render(
            request, "accounts/projectaccount_list.html", context | {"page": None}, status=400
        )
    page = Paginator(selectors.with_last_run(filters.qs), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "accounts/projectaccount_list.html",
        context | {"page": page, "totals": account_selectors.status_totals(filters.qs)},
    )  # fmt: skip


@permission_required(account_permissions.RESYNC, raise_exception=True)
@require_POST
def resync_selected(request):
    """Re-sync the accounts ticked on the accounts list, as one batch."""
    ids = [value for value in request.POST.getlist("account") if value.isdigit()]
    if not ids:
        messages.error(request, "Tick at least one account to re-sync.")
        return redirect("project-account-list")
    if len(ids) > MAX_SELECTED:
        messages.error(request, f"At most {MAX_SELECTED} accounts at once; narrow the filters.")
        return redirect("project-account-list")
    accounts = list(account_selectors.project_accounts().filter(pk__in=ids))
    batch = services.resync_batch_create(
        accounts=accounts, description=f"{len(accounts)} selected account(s)", actor=request.user
    )
    messages.success(request, f"Re-sync of {len(accounts)} account(s) requested.")
    return redirect("replication-batch-detail", batch=batch.pk)


@permission_required(account_permissions.RESYNC, raise_exception=True)
@require_POST
def resync_platform(request, location: str, platform: str):
    """Re-sync every live account of a platform, as one batch."""
    found = platform_by_full_identifier(f"{platform}.{location}")
    if found is None:
        raise Http404
    accounts = list(account_selectors.project_accounts().filter(platform=found))
    batch = services.resync_batch_create(
        accounts=accounts, description=f"all accounts of {found.full_identifier}",
        actor=request.user,
    )  # fmt: skip
    messages.success(request, f"Re-sync of {len(accounts)} account(s) of {found} requested.")
    return redirect("replication-batch-detail", batch=batch.pk)


@permission_required(replication_permissions.VIEW_RUNS, raise_exception=True)
@require_GET
def batch_detail(request, batch):
    """A batch's progress: done, failed, remaining; the bar follows live."""
    found = get_object_or_404(ReplicationBatch.objects.select_related("requested_by"), pk=batch)
    return render(
        request, "replication/replicationbatch_detail.html",
        {"batch": found, "progress": selectors.batch_progress(found)},
    )  # fmt: skip


@permission_required(replication_permissions.VIEW_RUNS, raise_exception=True)
@require_GET
def batch_progress(request, batch):
    """htmx partial: the batch's progress bar (it stops polling when nothing remains)."""
    found = get_object_or_404(ReplicationBatch, pk=batch)
    return render(
        request, "replication/_batch_progress.html",
        {"batch": found, "progress": selectors.batch_progress(found)},
    )  # fmt: skip
