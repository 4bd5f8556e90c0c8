"""Operator pages for locations and AWS platform instances; read-only for support and auditors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from platforms import permissions as platform_permissions

from . import config_io, connection, patterns, selectors, services, signals
from .confirmation import BACK, confirm_edit
from .forms import PlatformEditor, initial_from_record, region_choices
from .importing import ImportRefused, export_platform_json, import_platform_text
from .models import PlatformInstance

# Example identifiers for the live preview of naming patterns.
EXAMPLE = patterns.NameContext(customer="acme", project="web-shop", tenant_platform_number=7)
EXAMPLE_ROLE = "admin"
# The form field each preview sits beside (`field` asks for that one alone).
PREVIEW_OF_FIELD = {
    "account_email_template": "E-mail", "account_alias_pattern": "Alias",
    "identity_center_group_name_pattern": "Group name",
}  # fmt: skip
MAX_UPLOAD_BYTES = 2_000_000


def _platform_or_404(location: str, platform: str) -> PlatformInstance:
    found = selectors.platform_by_full_identifier(f"{platform}.{location}")
    if found is None:
        raise Http404(f"no platform {platform}.{location}")
    return found


@permission_required(platform_permissions.VIEW_PLATFORMS, raise_exception=True)
def platform_list(request):
    """Every platform, by location."""
    return render(
        request,
        "platforms/platforminstance_list.html",
        {"platforms": selectors.platform_list(), "locations": selectors.location_list()},
    )


@permission_required(platform_permissions.VIEW_LOCATIONS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def location_list(request):
    """Every location, and (operators) a form to add one."""
    errors = {}
    if request.method == "POST":
        if not request.user.has_perm(platform_permissions.ADD_LOCATION):
            return HttpResponse("operators only", status=403)
        try:
            location = services.location_create(
                identifier=request.POST.get("identifier", "").strip(),
                display_name=request.POST.get("display_name", "").strip(),
                actor=request.user,
            )
        except ValidationError as error:
            errors = error.message_dict
        else:
            messages.success(request, f"Location {location.identifier} created.")
            return redirect("location-list")
    return render(
        request,
        "platforms/location_list.html",
        {"locations": selectors.location_list(), "errors": errors, "values": request.POST},
        status=400 if errors else 200,
    )


@permission_required(platform_permissions.VIEW_PLATFORMS, raise_exception=True)
def platform_detail(request, location: str, platform: str):
    """One platform, grouped like the record."""
    instance = _platform_or_404(location, platform)
    record = config_io.record_of(instance)
    return render(
        request,
        "platforms/platforminstance_detail.html",
        {"platform": instance, "record": record, "naming": _naming_preview(record)},
    )


def _naming_preview(record: config_io.PlatformRecord) -> dict[str, str]:
    limits = {
        "customer_length": record.customer_identifier_length,
        "project_length": record.project_identifier_length,
        "platform": record.platform,
    }
    context = patterns.NameContext(**{**EXAMPLE.__dict__, "platform": record.platform})
    preview = {"account_name": patterns.render_account_name(context)}
    if record.account_email_template:
        preview["email"] = patterns.render_account_email(record.account_email_template, context)
        preview["email_worst"] = patterns.email_worst_case(record.account_email_template, **limits)
    if record.account_alias_pattern:
        preview["alias"] = patterns.render_account_alias(record.account_alias_pattern, context)
        preview["alias_worst"] = patterns.alias_worst_case(record.account_alias_pattern, **limits)
    if record.identity_center is not None:
        pattern = record.identity_center.group_name_pattern
        preview["group_name"] = patterns.render_group_name(pattern, context, EXAMPLE_ROLE)
        preview["group_name_worst"] = patterns.group_name_worst_case(pattern, **limits)
    return preview


def _editor_page(request, editor: PlatformEditor, platform: PlatformInstance | None, status=200):
    return render(
        request,
        "platforms/platforminstance_form.html",
        {"editor": editor, "platform": platform, "regions": region_choices()},
        status=status,
    )


def _save(request, editor: PlatformEditor, platform: PlatformInstance | None):
    """Validate the posted editor as a record and apply it; the response either way.

    The record rules run even when a field is refused, so that every error shows at once.
    """
    parsed = editor.is_valid()
    stored = config_io.record_of(platform) if platform else None
    try:
        record = config_io.parse_record(editor.record_data(), stored=stored, environ=None)
    except config_io.RecordInvalid as invalid:
        editor.add_record_errors(invalid.errors)
        return _editor_page(request, editor, platform, status=400)
    if not parsed:
        return _editor_page(request, editor, platform, status=400)
    remark = ""
    if platform is not None:
        confirmation = confirm_edit(request, editor, platform, stored, record)
        if confirmation.page is not None:
            return confirmation.page
        remark = confirmation.remark
    location = platform.location if platform else editor.form.cleaned_data["location"]
    if platform is None and location.platforms.filter(identifier=record.platform).exists():
        editor.form.add_error("identifier", f"{record.platform} already exists in {location}")
        return _editor_page(request, editor, platform, status=400)
    try:
        applied = services.platform_apply(
            location=location,
            record=record,
            actor=request.user,
            reason=" ".join(filter(None, [editor.form.cleaned_data.get("reason", ""), remark])),
            display_name=editor.form.cleaned_data.get("display_name", ""),
        )
    except services.PlatformInUse as error:
        editor.form.add_error(None, str(error))
        return _editor_page(request, editor, platform, status=400)
    except config_io.RecordInvalid as invalid:  # the platform changed since it was read
        editor.add_record_errors(invalid.errors)
        return _editor_page(request, editor, platform, status=400)
    name = applied.platform.full_identifier
    if applied.created:
        messages.success(request, f"Platform {name} created.")
    else:
        messages.success(request, f"Platform {name} saved." if applied.changed else "No changes.")
    for warning in record.warnings:
        messages.warning(request, warning)
    return redirect(
        "platform-detail", location=applied.platform.location.identifier,
        platform=applied.platform.identifier,
    )  # fmt: skip


@permission_required(platform_permissions.ADD_PLATFORM, raise_exception=True)
@require_http_methods(["GET", "POST"])
def platform_create(request):
    """Create a platform with its role mappings and landing zones."""
    if request.method == "POST":
        return _save(request, PlatformEditor(request.POST), None)
    initial = {"location": request.GET.get("location", "")}
    return _editor_page(request, PlatformEditor(initial=(initial, [], [])), None)


@permission_required(platform_permissions.CHANGE_PLATFORM, raise_exception=True)
@require_http_methods(["GET", "POST"])
def platform_edit(request, location: str, platform: str):
    """Edit a platform; empty secret fields keep the stored secrets."""
    instance = _platform_or_404(location, platform)
    if request.method == "POST":
        editor = PlatformEditor(request.POST, platform=instance)
        if request.POST.get(BACK):
            editor.is_valid()
            return _editor_page(request, editor, instance)
        return _save(request, editor, instance)
    initial = initial_from_record(config_io.record_of(instance), instance)
    return _editor_page(request, PlatformEditor(platform=instance, initial=initial), instance)


@permission_required(platform_permissions.DELETE_PLATFORM, raise_exception=True)
@require_http_methods(["GET", "POST"])
def platform_delete(request, location: str, platform: str):
    """Confirm, then delete a platform no project account uses."""
    instance = _platform_or_404(location, platform)
    if request.method == "POST":
        try:
            services.platform_delete(
                platform=instance, actor=request.user, reason=request.POST.get("reason", "")
            )
        except services.PlatformInUse as error:
            messages.error(request, str(error))
            return redirect("platform-detail", location=location, platform=platform)
        messages.success(request, f"Platform {platform}.{location} deleted.")
        return redirect("platform-list")
    return render(request, "platforms/platforminstance_confirm_delete.html", {"platform": instance})


def _change_lifecycle(request, location: str, platform: str, service, done: str):
    """Call the lifecycle service with the posted comment; back to the platform page."""
    instance = _platform_or_404(location, platform)
    try:
        service(platform=instance, actor=request.user, comment=request.POST.get("comment", ""))
    except services.PlatformAlreadyInState as error:
        messages.error(request, str(error) + ".")
    except ValidationError as error:  # the comment is the only input
        messages.error(request, f"The comment {' '.join(error.messages)}.")
    else:
        messages.success(request, f"Platform {instance.full_identifier} {done}.")
    return redirect("platform-detail", location=location, platform=platform)


@permission_required(platform_permissions.CHANGE_PLATFORM, raise_exception=True)
@require_POST
def platform_deprecate(request, location: str, platform: str):
    """Deprecate a platform: it accepts no new accounts; its accounts are still replicated."""
    return _change_lifecycle(
        request, location, platform, services.platform_deprecate,
        "deprecated: it accepts no new accounts; its accounts are still replicated",
    )  # fmt: skip


@permission_required(platform_permissions.CHANGE_PLATFORM, raise_exception=True)
@require_POST
def platform_reactivate(request, location: str, platform: str):
    """Reactivate a deprecated platform: it accepts new accounts again."""
    return _change_lifecycle(
        request, location, platform, services.platform_reactivate,
        "reactivated: it accepts new accounts again",
    )  # fmt: skip


@permission_required(platform_permissions.VIEW_PLATFORMS, raise_exception=True)
@require_GET
def platform_export(request, location: str, platform: str):
    """Download the platform's record as JSON (secrets as fingerprints only)."""
    instance = _platform_or_404(location, platform)
    response = HttpResponse(export_platform_json(instance), content_type="application/json")
    filename = f"{instance.identifier}.{instance.location.identifier}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@permission_required(platform_permissions.ADD_PLATFORM, raise_exception=True)
@require_http_methods(["GET", "POST"])
def platform_import(request):
    """Upload a platform file (JSON or Dhall): the same import as `manage.py import_platform`."""
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = ["file: choose a .json or .dhall file"]
        elif upload.size > MAX_UPLOAD_BYTES:
            errors = [f"file: {upload.size} bytes is too large (at most {MAX_UPLOAD_BYTES})"]
        else:
            try:
                text = upload.read().decode("utf-8")
                result = import_platform_text(
                    text,
                    filename=upload.name,
                    location=request.POST.get("location") or None,
                    actor=request.user,
                    reason=request.POST.get("reason", ""),
                    environ=None,
                )
            except UnicodeDecodeError:
                errors = ["file: is not UTF-8 text"]
            except ImportRefused as refused:
                errors = refused.lines
            else:
                messages.success(request, result.summary[0].upper() + result.summary[1:] + ".")
                for warning in result.warnings:
                    messages.warning(request, warning)
                platform = result.applied.platform
                return redirect(
                    "platform-detail", location=platform.location.identifier,
                    platform=platform.identifier,
                )  # fmt: skip
    return render(
        request,
        "platforms/platform_import.html",
        {"errors": errors, "locations": selectors.location_list()},
        status=400 if errors else 200,
    )


@permission_required(platform_permissions.VIEW_PLATFORMS, raise_exception=True)
@require_GET
def pattern_preview(request):
    """htmx partial: example and worst-case renderings of the e-mail, alias and group name
    patterns."""
    try:
        limits = {
            "customer_length": int(request.GET.get("customer_identifier_length") or 16),
            "project_length": int(request.GET.get("project_identifier_length") or 30),
        }
    except ValueError:
        return render(request, "platforms/_pattern_preview.html", {"limits_error": True})
    platform = request.GET.get("identifier", "").strip()
    context = patterns.NameContext(**{**EXAMPLE.__dict__, "platform": platform or "aws"})
    previews = []
    checks = (
        ("E-mail", request.GET.get("account_email_template", "").strip(),
         patterns.validate_email_template, patterns.render_account_email),
        ("Alias", request.GET.get("account_alias_pattern", "").strip(),
         patterns.validate_alias_pattern, patterns.render_account_alias),
        ("Group name", request.GET.get("identity_center_group_name_pattern", "").strip(),
         patterns.validate_group_name_pattern,
         lambda pattern, context: patterns.render_group_name(pattern, context, EXAMPLE_ROLE)),
    )  # fmt: skip
    only = PREVIEW_OF_FIELD.get(request.GET.get("field", ""))
    for label, pattern, validate, render_one in checks:
        if not pattern or only not in (None, label):
            continue
        entry = {"label": label, "pattern": pattern}
        if label == "Group name":
            entry["project_role"] = EXAMPLE_ROLE
        try:
            patterns.validate_identifier_limits(limits["customer_length"], limits["project_length"])
            outcome = validate(pattern, platform=platform, **limits)
            entry["example"] = render_one(pattern, context)
            entry["worst"] = outcome if isinstance(outcome, str) else None
            entry["warnings"] = outcome if isinstance(outcome, list) else []
            if label == "Alias":
                entry["worst"] = patterns.alias_worst_case(pattern, platform=platform, **limits)
        except ValidationError as error:
            entry["errors"] = error.messages
        previews.append(entry)
    return render(
        request,
        "platforms/_pattern_preview.html",
        {"previews": previews, "context": context, "limits": limits, "only": only},
    )


@permission_required(platform_permissions.CHANGE_PLATFORM, raise_exception=True)
@require_POST
def platform_check(request, location: str, platform: str):
    """Run the connection check: the table (htmx) or a page with it (without JavaScript)."""
    instance = _platform_or_404(location, platform)
    checks = connection.check_platform(instance)
    signals.report_connection_check(instance, checks, actor=request.user)
    context = {
        "platform": instance,
        "checks": checks,
        "failed": sum(not check.passed for check in checks),
    }
    if request.headers.get("HX-Request"):
        return render(request, "platforms/_connection_check.html", context)
    return render(request, "platforms/platform_check.html", context)
