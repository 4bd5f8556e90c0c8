"""The global history of replication runs: filters, keyset pages and the CSV export."""

from __future__ import annotations

from audit import permissions as audit_permissions
from meshaws_site.history import HistoryList, KeysetPage
from replication import permissions as replication_permissions
from replication import selectors
from replication.filters import ReplicationRunFilter
from replication.live import live_page

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


def _csv_rows(rows):
    """The export's rows: platform as `platform.location`, "system" for no requester."""
    for row in rows:
        (run_id, account_id, customer, project, platform, location, trigger, status, requester,
         attempt, created_at, started_at, finished_at, duration, *errors) = row  # fmt: skip
        yield (
            run_id, account_id, customer, project, f"{platform}.{location}", trigger, status,
            requester or "system", attempt, created_at, started_at, finished_at,
            "" if duration is None else round(duration.total_seconds(), 3), *errors,
        )  # fmt: skip


def _run_table(page: KeysetPage) -> dict:
    # The shared run-history table takes a paginator page; ours is one keyset page whose
    # older/newer links follow the table.
    return {"runs_page": {"object_list": page.rows, "paginator": {"num_pages": 1}}}


RUNS = HistoryList(
    filterset=ReplicationRunFilter,
    rows=selectors.run_history,
    template="replication/replicationrun_list.html",
    permission=replication_permissions.VIEW_RUNS,
    export_permission=audit_permissions.EXPORT_AUDIT_EVENTS,
    csv_name="runs",
    csv_header=CSV_HEADER,
    csv_fields=CSV_FIELDS,
    csv_rows=_csv_rows,
    page_context=_run_table,
)
# Every run of every account, newest first, filtered, one keyset page at a time; and the same
# runs as CSV, streamed in chunks so a million rows never sit in memory.
replication_run_list = live_page("runs", "audit")(RUNS.page)
replication_run_export = RUNS.export
