"""The auditors' views of the audit log: the filtered list, one event's diff, the CSV export."""

from django import forms
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render

from meshaws_site.history import DateRangeForm, keyset_page

from . import selectors
from .csv_export import csv_response
from .models import AuditEvent

PAGE_SIZE = 50
CSV_COLUMNS = (
    "id", "created_at", "actor_name", "action", "object_type", "object_id", "object_repr",
    "before", "after", "remark",
)  # fmt: skip


def _text(placeholder: str) -> forms.TextInput:
    return forms.TextInput(attrs={"placeholder": placeholder})


class AuditFilterForm(DateRangeForm):
    """The audit log's filters; every one is an exact value."""

    actor = forms.CharField(required=False, max_length=150, widget=_text("username or system"))
    object_type = forms.CharField(required=False, max_length=64, widget=_text("e.g. platform"))
    object_id = forms.CharField(required=False, max_length=64, widget=_text("e.g. 12"))
    action = forms.CharField(required=False, max_length=64, widget=_text("e.g. platform.update"))

    field_order = ("actor", "object_type", "object_id", "action", "created_from", "created_to")

    def events(self):
        """The events matching the cleaned filters (call after is_valid())."""
        data = self.cleaned_data
        return selectors.audit_events(
            actor=data["actor"].strip(), object_type=data["object_type"].strip(),
            object_id=data["object_id"].strip(), action=data["action"].strip(),
            **self.created_range(),
        )  # fmt: skip


@permission_required("audit.view_auditevent", raise_exception=True)
def audit_event_list(request):
    """The audit log, newest first, filtered, one keyset page at a time."""
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return render(
            request, "audit/auditevent_list.html", {"form": form, "page": None}, status=400
        )
    events = form.events().only(*selectors.LIST_COLUMNS)
    page = keyset_page(events, request.GET, size=PAGE_SIZE)
    return render(
        request, "audit/auditevent_list.html",
        {"form": form, "page": page, "export_query": form.filter_query()},
    )  # fmt: skip


@permission_required("audit.view_auditevent", raise_exception=True)
def audit_event_detail(request, event: int):
    """One event: who did what to which object, and what changed, field by field."""
    found = get_object_or_404(AuditEvent, pk=event)
    return render(
        request, "audit/auditevent_detail.html",
        {"event": found, "changes": selectors.audit_event_diff(found)},
    )  # fmt: skip


@permission_required("audit.export_auditevent", raise_exception=True)
def audit_event_export(request):
    """The filtered audit log as CSV, streamed row by row so its size never matters."""
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(
            "invalid filters: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
            content_type="text/plain; charset=utf-8",
        )
    rows = form.events().values_list(*CSV_COLUMNS).iterator(chunk_size=2000)
    return csv_response("audit", CSV_COLUMNS, rows)
