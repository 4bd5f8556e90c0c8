"""A platform's unmanaged accounts, as the last discovery saw them, and starting a scan."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

import aws
from meshaws_site.api import bound_filters
from platforms.secrets import SecretUnreadable
from platforms.selectors import platform_by_full_identifier
from replication import permissions
from replication.discovery import discovery_run
from replication.filters import UnmanagedAccountFilter
from replication.models import UnmanagedAccount

PAGE_SIZE = 100


def _platform(location: str, platform: str):
    found = platform_by_full_identifier(f"{platform}.{location}")
    if found is None:
        raise Http404
    return found


@permission_required(permissions.VIEW_UNMANAGED_ACCOUNTS, raise_exception=True)
@require_GET
def unmanaged_account_list(request, location: str, platform: str):
    """The platform's unmanaged accounts, filtered by parent and state, in pages."""
    found = _platform(location, platform)
    rows = UnmanagedAccount.objects.filter(platform=found).order_by("aws_account_id")
    filters = bound_filters(UnmanagedAccountFilter, request.GET, rows)
    context = {
        "platform": found,
        "form": filters.form,
        "filters": {name: request.GET.get(name, "") for name in filters.filters},
        "parents": rows.order_by("parent_id").values_list("parent_id", flat=True).distinct(),
        "states": rows.order_by("state").values_list("state", flat=True).distinct(),
        "last_scan": rows.order_by("-last_seen").values_list("last_seen", flat=True).first(),
    }
    if not filters.is_valid():
        return render(
            request, "replication/unmanagedaccount_list.html", context | {"page": None}, status=400
        )
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "replication/unmanagedaccount_list.html", context | {"page": page})


@permission_required(permissions.DISCOVER, raise_exception=True)
@require_POST
def discover_platform(request, location: str, platform: str):
    """Scan the platform's organization now (the operator waits, as for the connection check)."""
    found = _platform(location, platform)
    try:
        result = discovery_run(platform=found, actor=request.user)
    except aws.AwsError as error:
        messages.error(request, f"Discovery failed: {error.operation} answered {error.code}.")
    except SecretUnreadable:
        messages.error(request, "Discovery failed: the platform's stored secrets cannot be read.")
    else:
        messages.success(
            request,
            f"{result.accounts} account(s) in the organization, {result.unmanaged} unmanaged "
            f"({result.new} new, {result.gone} no longer listed).",
        )
    return redirect("platform-unmanaged-accounts", location=location, platform=platform)
