"""The auditors' views of the audit log: the paginated list and the streamed CSV export."""

import csv
import json

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from .models import AuditEvent

PAGE_SIZE = 50
CSV_COLUMNS = (
    "created_at", "actor_name", "action", "object_type", "object_id", "object_repr",
    "before", "after", "remark",
)  # fmt: skip


@permission_required("audit.view_auditevent", raise_exception=True)
def audit_event_list(request):
    """The audit log, newest first."""
    events = AuditEvent.objects.only(*CSV_COLUMNS)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/auditevent_list.html", {"page": page})


class _Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _csv_cell(value) -> str:
    if isinstance(value, dict | list):
        value = json.dumps(value, sort_keys=True)
    text = "" if value is None else str(value)
    # A cell starting with one of these is a formula to a spreadsheet (CSV injection).
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


@permission_required("audit.export_auditevent", raise_exception=True)
def audit_event_export(request):
    """The whole audit log as CSV, streamed row by row so its size never matters."""
    writer = csv.writer(_Echo())
    rows = AuditEvent.objects.values_list(*CSV_COLUMNS).iterator(chunk_size=2000)

    def lines():
        yield writer.writerow(CSV_COLUMNS)
        for row in rows:
            yield writer.writerow([_csv_cell(value) for value in row])

    filename = f"meshaws-audit-{timezone.now():%Y%m%d-%H%M%S}.csv"
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
