"""The audit log: append-only rows, the list page and the streamed CSV export."""

import csv
import io

import pytest

from audit.models import AuditEvent
from audit.services import audit_event_create


@pytest.fixture
def event(db):
    return audit_event_create(
        actor=None, action="thing.create", object_type="thing", object_id=1, object_repr="one"
    )


def test_it_refuses_to_change_an_event(event):
    event.remark = "rewritten"
    with pytest.raises(TypeError, match="append-only"):
        event.save()


def test_it_refuses_to_delete_events(event):
    with pytest.raises(TypeError, match="append-only"):
        event.delete()
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.all().delete()
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.update(remark="x")
    assert AuditEvent.objects.get().remark == ""


def test_it_names_the_actor(alice):
    event = audit_event_create(actor=alice, action="thing.create", object_type="thing")
    assert (event.actor, event.actor_name) == (alice, "alice")


def test_it_lists_events_newest_first(client, charlie):
    for number in range(3):
        audit_event_create(actor=None, action=f"thing.step{number}", object_type="thing")
    client.force_login(charlie)
    page = client.get("/audit/").content.decode()
    assert page.index("thing.step2") < page.index("thing.step1") < page.index("thing.step0")


def test_it_exports_csv_with_formulas_defused(client, charlie):
    audit_event_create(
        actor=None,
        action="thing.create",
        object_type="thing",
        object_repr="=HYPERLINK(1)",
        after={"a": 1},
    )
    client.force_login(charlie)
    response = client.get("/audit/export.csv")
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header = rows[0]
    # charlie's own creation is an event too; find ours by its action
    ours = next(row for row in rows[1:] if row[header.index("action")] == "thing.create")
    assert ours[header.index("object_repr")] == "'=HYPERLINK(1)"
    assert ours[header.index("after")] == '{"a": 1}'
