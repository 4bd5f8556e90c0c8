"""The auditors' views of the audit log: the filtered list, one event's diff, the CSV export."""

from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, render

from audit import permissions as audit_permissions
from meshaws_site.history import HistoryList

from . import selectors
from .filters import AuditEventFilter
from .models import AuditEvent

CSV_COLUMNS = (
    "id", "created_at", "actor_name", "action", "object_type", "object_id", "object_repr",
    "before", "after", "remark",
)  # fmt: skip

AUDIT_LOG = HistoryList(
    filterset=AuditEventFilter,
    rows=AuditEvent.objects.all,
    template="audit/auditevent_list.html",
    permission=audit_permissions.VIEW_AUDIT_EVENTS,
    export_permission=audit_permissions.EXPORT_AUDIT_EVENTS,
    csv_name="audit",
    csv_header=CSV_COLUMNS,
    csv_fields=CSV_COLUMNS,
    page_columns=selectors.LIST_COLUMNS,
)
# The audit log, newest first, filtered, one keyset page at a time; and the same rows as CSV.
audit_event_list = AUDIT_LOG.page
audit_event_export = AUDIT_LOG.export


@permission_required(audit_permissions.VIEW_AUDIT_EVENTS, raise_exception=True)
def audit_event_detail(request, event: int):
    """One event: who did what to which object, and what changed, field by field."""
    found = get_object_or_404(AuditEvent, pk=event)
    return render(
        request, "audit/auditevent_detail.html",
        {"event": found, "changes": selectors.audit_event_diff(found)},
    )  # fmt: skip
