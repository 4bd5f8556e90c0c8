"""The page that enables many projects on one platform at once: choose, review, confirm."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts import permissions as account_permissions
from accounts import selectors
from accounts.forms import BulkEnableForm
from accounts.models import Customer, ProjectAccount
from accounts.services import EnableRefused, projects_enable
from accounts.services.bulk_enable import MAX_PROJECTS, Outcome
from platforms.models import PlatformInstance

TEMPLATE = "accounts/project_bulk_enable.html"


def _open_platforms():
    return (
        PlatformInstance.objects.filter(deprecated_at__isnull=True)
        .select_related("location")
        .order_by("location__identifier", "identifier")
    )


def _page(request, form: BulkEnableForm, platform, *, status: int = 200, **extra) -> HttpResponse:
    """The chooser: the platforms, and for the chosen one the projects with a box each."""
    # A NUL never reaches the database (PostgreSQL refuses it in a query: a 500).
    customer, search = (
        request.GET.get(key, "").replace("\x00", "").strip() for key in ("customer", "q")
    )
    context = {
        "form": form, "platform": platform, "platforms": _open_platforms(),
        "customers": Customer.objects.order_by("identifier"), "customer": customer, "q": search,
        "max_projects": MAX_PROJECTS, "chosen": set(), "errors": {},
    }  # fmt: skip
    if platform is not None:
        projects = list(
            selectors.project_list(customer=customer, search=search)[: MAX_PROJECTS + 1]
        )
        errors_of = extra.pop("project_errors", {})
        shown = projects[:MAX_PROJECTS]
        context |= {
            "rows": [(project, errors_of.get(project.pk, "")) for project in shown],
            "more_projects": len(projects) > MAX_PROJECTS,
            "enabled": set(
                ProjectAccount.objects.filter(platform=platform, deleted_at__isnull=True)
                .values_list("project_id", flat=True)
            ),
            "zones": list(platform.landing_zones.filter(disabled=False).order_by("position")),
        }  # fmt: skip
    return render(request, TEMPLATE, context | extra, status=status)


@permission_required(account_permissions.ADD_PROJECT_ACCOUNT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def projects_enable_page(request):
    """GET: choose a platform, then projects; POST: review the choice, then (confirm) enable."""
    if request.method == "GET":
        form, platform, error = BulkEnableForm(), None, ""
        if request.GET.get("platform"):
            try:
                platform = form.fields["platform"].clean(request.GET["platform"])
            except ValidationError as refused:
                error = " ".join(refused.messages)
        return _page(
            request, form, platform, status=400 if error else 200,
            errors={"platform": [error]} if error else {},
        )  # fmt: skip
    form = BulkEnableForm(request.POST)
    if not form.is_valid():
        posted = request.POST.getlist("projects")
        return _page(
            request, form, form.cleaned_data.get("platform"), status=400,
            errors={name: list(problems) for name, problems in form.errors.items()},
            chosen={int(value) for value in posted if value.isdigit() and len(value) < 19},
        )  # fmt: skip
    data = form.cleaned_data
    confirmed = request.POST.get("confirm") == "1"
    chosen = {project.pk for project in data["projects"]}
    try:
        results = projects_enable(
            platform=data["platform"], projects=data["projects"],
            landing_zone=data["landing_zone"] or None, actor=request.user, dry_run=not confirmed,
        )  # fmt: skip
    except EnableRefused as refused:
        refusals = [result for result in refused.results if result.outcome == Outcome.REFUSED]
        return _page(
            request, form, data["platform"], status=400, chosen=chosen, errors=refused.errors,
            project_errors={result.project.pk: result.error_text for result in refusals},
            refusals=[(result.project.full_identifier, result.error_text) for result in refusals],
        )  # fmt: skip
    enabled = [result for result in results if result.outcome == Outcome.ENABLED]
    already = [result for result in results if result.outcome == Outcome.ALREADY_ENABLED]
    platform = data["platform"]
    if not confirmed and enabled:
        return render(
            request, TEMPLATE,
            {"platform": platform, "confirming": True, "enabled_results": enabled,
             "already_results": already, "landing_zone": data["landing_zone"]},
        )  # fmt: skip
    if not enabled:
        messages.info(request, f"Every project chosen is enabled on {platform} already.")
        return redirect(f"{reverse('projects-enable')}?{urlencode({'platform': str(platform)})}")
    note = f" {len(already)} were enabled already." if already else ""
    messages.success(
        request,
        f"{len(enabled)} project{'s' if len(enabled) != 1 else ''} enabled on {platform}; "
        f"their accounts are being created.{note}",
    )
    return redirect(f"{reverse('project-account-list')}?{urlencode({'platform': str(platform)})}")
