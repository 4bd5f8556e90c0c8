"""The global history of replication runs: filters, keyset pages and the CSV export."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponseBadRequest
from django.shortcuts import render

from audit.csv_export import csv_response
from meshaws_site.history import DateRangeForm, keyset_page
from platforms.models import PlatformInstance
from replication import selectors
from replication.models import ReplicationRun

PAGE_SIZE = 50
CSV_HEADER = (
    "run_id", "account_id", "customer", "project", "platform", "trigger", "status",
    "requested_by", "attempt", "created_at", "started_at", "finished_at", "duration_seconds",
    "error_step", "error_operation", "error_code", "error",
)  # fmt: skip
# Read by values_list: plain tuples, no model instances, whatever the number of rows.
CSV_FIELDS = (
    "id", "account_id", "account__project__customer__identifier", "account__project__identifier",
    "account__platform__identifier", "account__platform__location__identifier", "trigger",
    "status", "requested_by__username", "attempt", "created_at", "started_at", "finished_at",
    "duration", "error_step", "error_operation", "error_code", "error",
)  # fmt: skip


def _any(label: str, choices) -> list[tuple[str, str]]:
    return [("", f"any {label}"), *choices]


class RunFilterForm(DateRangeForm):
    """The runs page's filters; the export applies the same ones."""

    status = forms.ChoiceField(
        required=False, choices=_any("status", ReplicationRun.Status.choices)
    )
    trigger = forms.ChoiceField(
        required=False, choices=_any("trigger", ReplicationRun.Trigger.choices)
    )
    platform = forms.ChoiceField(required=False)
    requested_by = forms.CharField(required=False, max_length=150, label="Requested by")

    field_order = ("status", "trigger", "platform", "requested_by", "created_from", "created_to")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        platforms = PlatformInstance.objects.select_related("location").order_by(
            "location__identifier", "identifier"
        )
        self.fields["platform"].choices = _any(
            "platform", [(p.full_identifier, p.full_identifier) for p in platforms]
        )
        self.fields["requested_by"].widget.attrs["placeholder"] = "username"

    def runs(self):
        """The runs matching the cleaned filters (call after is_valid())."""
        data = self.cleaned_data
        return selectors.replication_runs(
            status=data["status"], trigger=data["trigger"], platform=data["platform"],
            requested_by=data["requested_by"].strip(), **self.created_range(),
        )  # fmt: skip


@permission_required("replication.view_replicationrun", raise_exception=True)
def replication_run_list(request):
    """Every run of every account, newest first, filtered, one keyset page at a time."""
    form = RunFilterForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "replication/replicationrun_list.html",
            {"form": form, "page": None},
            status=400,
        )
    page = keyset_page(form.runs(), request.GET, size=PAGE_SIZE)
    return render(
        request, "replication/replicationrun_list.html",
        {
            "form": form, "page": page, "export_query": form.filter_query(),
            # The shared run-history table takes a paginator page; ours is one keyset page
            # whose older/newer links follow the table.
            "runs_page": {"object_list": page.rows, "paginator": {"num_pages": 1}},
        },
    )  # fmt: skip


def _csv_rows(rows):
    for row in rows:
        (run_id, account_id, customer, project, platform, location, trigger, status, requester,
         attempt, created_at, started_at, finished_at, duration, *errors) = row  # fmt: skip
        yield (
            run_id, account_id, customer, project, f"{platform}.{location}", trigger, status,
            requester or "system", attempt, created_at, started_at, finished_at,
            "" if duration is None else round(duration.total_seconds(), 3), *errors,
        )  # fmt: skip


@permission_required("audit.export_auditevent", raise_exception=True)
def replication_run_export(request):
    """The filtered runs as CSV, streamed in chunks so a million rows never sit in memory."""
    form = RunFilterForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(
            "invalid filters: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
            content_type="text/plain; charset=utf-8",
        )
    rows = form.runs().values_list(*CSV_FIELDS).iterator(chunk_size=2000)
    return csv_response("runs", CSV_HEADER, _csv_rows(rows))
