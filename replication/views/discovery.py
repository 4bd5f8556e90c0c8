"""A platform's unmanaged accounts, as the last discovery saw them: starting a scan and
following it, and adopting accounts (ticked on the page, or a CSV file)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions as account_permissions
from meshaws_site.api import bound_filters
from platforms.selectors import platform_by_full_identifier
from replication import adoption, permissions
from replication.filters import UnmanagedAccountFilter
from replication.models import DiscoveryScan, UnmanagedAccount
from replication.scans import latest_scan, scan_request

PAGE_SIZE = 100
TEMPLATE = "replication/unmanagedaccount_list.html"


def _platform(location: str, platform: str):
    found = platform_by_full_identifier(f"{platform}.{location}")
    if found is None:
        raise Http404
    return found


def _scan_context(found) -> dict:
    scan = latest_scan(found)
    return {
        "scan": scan,
        "scan_active": scan is not None and scan.status in DiscoveryScan.ACTIVE,
        "ScanStatus": DiscoveryScan.Status,
    }


def _page(request, found, status: int = 200, **extra) -> HttpResponse:
    """The page: the rows the filters choose, the latest scan, the adoption form's state."""
    rows = UnmanagedAccount.objects.filter(platform=found).order_by("aws_account_id")
    filters = bound_filters(UnmanagedAccountFilter, request.GET, rows)
    context = {
        "platform": found,
        "form": filters.form,
        "filters": {name: request.GET.get(name, "") for name in filters.filters},
        "parents": rows.order_by("parent_id").values_list("parent_id", flat=True).distinct(),
        "states": rows.order_by("state").values_list("state", flat=True).distinct(),
        **_scan_context(found),
        "zones": found.landing_zones.filter(disabled=False).order_by("position"),
        "can_adopt": request.user.has_perm(account_permissions.ADD_PROJECT_ACCOUNT),
        "max_csv_bytes": adoption.MAX_CSV_BYTES,
        "max_adoptions": adoption.MAX_ADOPTIONS,
        "csv_columns": adoption.CSV_COLUMNS,
        "chosen": set(),
        "projects": {},
        "errors_by_account": {},
        "adoption_errors": [],
        **extra,
    }
    if not filters.is_valid():
        return render(request, TEMPLATE, context | {"page": None}, status=400)
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    # Each row with what the operator entered for it and its errors (after a refusal).
    shown = [
        (row, context["projects"].get(row.aws_account_id, ""),
         context["errors_by_account"].get(row.aws_account_id, []))
        for row in page.object_list
    ]  # fmt: skip
    return render(request, TEMPLATE, context | {"page": page, "rows": shown}, status=status)


@permission_required(permissions.VIEW_UNMANAGED_ACCOUNTS, raise_exception=True)
@require_GET
def unmanaged_account_list(request, location: str, platform: str):
    """The platform's unmanaged accounts, filtered by parent and state, in pages; the latest
    scan's progress; for operators, adoption of ticked accounts or of a CSV file."""
    return _page(request, _platform(location, platform))


@permission_required(permissions.VIEW_UNMANAGED_ACCOUNTS, raise_exception=True)
@require_GET
def discovery_progress(request, location: str, platform: str):
    """htmx partial: the latest scan's progress; once it is over, the whole page reloads (its
    rows changed)."""
    found = _platform(location, platform)
    context = {"platform": found, **_scan_context(found)}
    response = render(request, "replication/_discovery_scan.html", context)
    if not context["scan_active"]:
        response["HX-Refresh"] = "true"
    return response


@permission_required(permissions.DISCOVER, raise_exception=True)
@require_POST
def discover_platform(request, location: str, platform: str):
    """Queue a scan of the platform's organization (or show the one in progress)."""
    found = _platform(location, platform)
    scan, created = scan_request(platform=found, actor=request.user)
    if created:
        messages.success(request, "Scan of the organization queued; this page follows it.")
    else:
        messages.info(
            request, f"A scan of the organization is {scan.status} already; this page follows it."
        )
    return redirect("platform-unmanaged-accounts", location=location, platform=platform)


def _back(request, location: str, platform: str) -> str:
    url = reverse(
        "platform-unmanaged-accounts", kwargs={"location": location, "platform": platform}
    )
    return f"{url}?{request.GET.urlencode()}" if request.GET else url


def _adopted(request, accounts, location: str, platform: str):
    messages.success(
        request,
        f"Adopted {len(accounts)} account(s): "
        + ", ".join(f"{account.aws_account_id} into {account.project.full_identifier}"
                    for account in accounts[:20])
        + (" …" if len(accounts) > 20 else "")
        + ". Their replication runs are queued.",
    )  # fmt: skip
    return redirect(_back(request, location, platform))


@permission_required(account_permissions.ADD_PROJECT_ACCOUNT, raise_exception=True)
@require_POST
def adopt_selected(request, location: str, platform: str):
    """Adopt the ticked accounts, each into the project on its row (or the one for all), all
    or none; a refusal shows the page again with the errors by account."""
    found = _platform(location, platform)
    chosen = list(dict.fromkeys(request.POST.getlist("account")))
    for_all = request.POST.get("project", "").strip()
    zone = request.POST.get("landing_zone", "").strip()
    projects = {
        account_id: request.POST.get(f"project-{account_id}", "").strip() or for_all
        for account_id in chosen
    }
    adoptions = [
        adoption.Adoption(account_id.strip(), projects[account_id], zone) for account_id in chosen
    ]
    try:
        accounts = adoption.accounts_adopt(
            platform=found, adoptions=adoptions, actor=request.user, source="page"
        )
    except adoption.AdoptionRefused as refused:
        errors_by_account: dict[str, list[str]] = {}
        for error in refused.errors:
            errors_by_account.setdefault(error.aws_account_id, []).append(error.message)
        return _page(
            request, found, status=400, chosen=set(chosen), projects=projects,
            errors_by_account=errors_by_account, adoption_errors=refused.errors,
            project_for_all=for_all, chosen_zone=zone,
        )  # fmt: skip
    return _adopted(request, accounts, location, platform)


@permission_required(account_permissions.ADD_PROJECT_ACCOUNT, raise_exception=True)
@require_POST
def adopt_csv(request, location: str, platform: str):
    """Adopt the accounts of an uploaded CSV file, all or none; the errors by line number."""
    found = _platform(location, platform)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise adoption.AdoptionRefused([adoption.AdoptionError("choose a CSV file to upload")])
        # Read one byte over the limit, so that a bigger file is refused by its size.
        parsed, unreadable = adoption.adoptions_from_csv(upload.read(adoption.MAX_CSV_BYTES + 1))
        accounts = adoption.accounts_adopt(
            platform=found, adoptions=parsed, actor=request.user, source="csv",
            refused=unreadable,
        )  # fmt: skip
    except adoption.AdoptionRefused as refused:
        return _page(
            request, found, status=400, csv_errors=refused.errors,
            csv_name=adoption.shown(upload.name if upload else "", 80),
        )  # fmt: skip
    return _adopted(request, accounts, location, platform)
