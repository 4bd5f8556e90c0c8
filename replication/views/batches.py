"""The accounts list with its filters and totals, and re-syncs of many accounts (batches):
the confirmed re-sync of a platform, a batch's page, the retry of its failed accounts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import permissions as account_permissions
from accounts import selectors as account_selectors
from accounts.filters import ProjectAccountFilter
from accounts.models import Customer, ProjectAccount
from meshaws_site.api import bound_filters
from platforms.models import PlatformInstance
from platforms.selectors import platform_by_full_identifier
from replication import permissions as replication_permissions
from replication import selectors, services
from replication.live import live_page
from replication.models import ReplicationBatch

PAGE_SIZE = 50
BATCH_PAGE_SIZE = 100
MAX_SELECTED = 1000


@live_page("accounts", "runs", "audit")
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


def _not_confirmed(platform: PlatformInstance, confirmed: str, count: int) -> str:
    """Why a platform's re-sync was refused: no confirmation, a stale count, no accounts."""
    if not count:
        return f"Not done: {platform.full_identifier} has no account to re-sync."
    if not confirmed:
        return (
            f"Not done: confirm the re-sync of all {count} account(s) of "
            f"{platform.full_identifier} first."
        )
    return (
        f"Not done: {platform.full_identifier} has {count} account(s) now, not {confirmed[:12]}; "
        "confirm the re-sync again."
    )


@permission_required(account_permissions.RESYNC, raise_exception=True)
@require_http_methods(["GET", "POST"])
def resync_platform(request, location: str, platform: str):
    """Re-sync every live account of a platform, as one batch, once the count is confirmed.

    GET shows the count; the POST must carry it back as `confirmed`, so that nobody re-syncs
    a platform's thousands of accounts by one click, nor a number other than the one read.
    """
    found = platform_by_full_identifier(f"{platform}.{location}")
    if found is None:
        raise Http404
    accounts = account_selectors.project_accounts().filter(platform=found)
    if request.method == "GET":
        return render(
            request, "replication/platform_resync_confirm.html",
            {"platform": found, "count": accounts.count()},
        )  # fmt: skip
    accounts = list(accounts)
    confirmed = request.POST.get("confirmed", "")
    if confirmed != str(len(accounts)) or not accounts:
        messages.error(request, _not_confirmed(found, confirmed, len(accounts)))
        return redirect("platform-resync", location=location, platform=platform)
    batch = services.resync_batch_create(
        accounts=accounts, description=f"all accounts of {found.full_identifier}",
        actor=request.user,
    )  # fmt: skip
    messages.success(request, f"Re-sync of {len(accounts)} account(s) of {found} requested.")
    return redirect("replication-batch-detail", batch=batch.pk)


@permission_required(account_permissions.RESYNC, raise_exception=True)
@require_POST
def batch_retry_failed(request, batch):
    """Re-sync exactly the batch's failed accounts, as a new batch."""
    found = get_object_or_404(ReplicationBatch, pk=batch)
    try:
        retry = services.resync_batch_retry_failed(batch=found, actor=request.user)
    except ValidationError as error:
        messages.error(request, f"Not done: {' '.join(error.messages)}.")
        return redirect("replication-batch-detail", batch=found.pk)
    messages.success(request, f"Re-sync of {retry.runs.count()} failed account(s) requested.")
    return redirect("replication-batch-detail", batch=retry.pk)


@live_page("batch_runs", "audit")
@permission_required(replication_permissions.VIEW_RUNS, raise_exception=True)
@require_GET
def batch_detail(request, batch):
    """A batch's progress and every account's result and error; it follows live."""
    found = get_object_or_404(ReplicationBatch.objects.select_related("requested_by"), pk=batch)
    page = Paginator(selectors.batch_runs(found), BATCH_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "replication/replicationbatch_detail.html",
        {"batch": found, "progress": selectors.batch_progress(found), "page": page},
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
