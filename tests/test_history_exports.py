"""The CSV exports of the run history and the audit log stream plain rows, read while sending."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import project_account_create
from audit.models import AuditEvent
from replication.models import ReplicationRun


def csv_rows(response) -> list[list[str]]:
    """The streamed CSV, parsed (reading it is what runs the queries)."""
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.parametrize(
    "url, model",
    [("/runs/export.csv", ReplicationRun), ("/audit/export.csv", AuditEvent)],
    ids=["runs", "audit"],
)
def test_it_streams_the_export_reading_rows_only_while_sending(
    client, charlie, web, platform, monkeypatch, url, model
):
    project_account_create(project=web, platform=platform, actor=None)
    client.force_login(charlie)
    table = model._meta.db_table
    with CaptureQueriesContext(connection) as before_sending:
        response = client.get(url)
    assert response.streaming
    assert not any(table in query["sql"] for query in before_sending.captured_queries)

    def no_instances(*args, **kwargs):
        raise AssertionError("the export must read plain rows, not model instances")

    monkeypatch.setattr(model, "from_db", classmethod(no_instances))
    with CaptureQueriesContext(connection) as sending:
        rows = csv_rows(response)
    assert len(rows) >= 2 and len(rows) == model.objects.count() + 1
    assert any(table in query["sql"] for query in sending.captured_queries)
