"""The audit log pages: who may see them, filters, keyset pages, an event's diff, the export."""

import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from audit.models import AuditEvent
from audit.services import audit_event_create
from tests.helpers import SECRETS

DAY = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)


def _sign_in(client, request, persona):
    if persona is not None:
        client.force_login(request.getfixturevalue(persona))


def _event_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-testid="event-(\d+)"', response.content.decode())]


def _link(response, name: str) -> str | None:
    found = re.search(
        rf'<a [^>]*href="([^"]*)"[^>]*data-testid="{name}"', response.content.decode()
    )
    return html.unescape(found.group(1)) if found else None


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def _diff(response) -> dict[str, tuple[str, str, str]]:
    """{path: (kind, before, after)} from an event page's diff table."""
    rows = re.findall(
        r'<tr class="diff-(\w+)" data-testid="diff-([^"]*)">(.*?)</tr>',
        response.content.decode(),
        re.DOTALL,
    )
    found = {}
    for kind, path, cells in rows:
        before = re.search(r'data-testid="before">(?:<pre>(.*?)</pre>)?</td>', cells, re.DOTALL)
        after = re.search(r'data-testid="after">(?:<pre>(.*?)</pre>)?</td>', cells, re.DOTALL)
        found[html.unescape(path)] = (
            kind,
            html.unescape(before.group(1) or ""),
            html.unescape(after.group(1) or ""),
        )
    return found


@pytest.fixture
def event(db):
    return audit_event_create(actor=None, action="thing.update", object_type="thing", object_id=7)


@pytest.fixture
def world(db):
    """Three events that differ in every filtered column."""
    events = [
        AuditEvent(actor_name="alice", action="platform.update", object_type="platform",
                   object_id="1", created_at=DAY),
        AuditEvent(actor_name="bob", action="replication.request", object_type="project_account",
                   object_id="4", created_at=DAY + timedelta(days=1)),
        AuditEvent(actor_name="system", action="platform.update", object_type="platform",
                   object_id="2", created_at=DAY + timedelta(days=2)),
    ]  # fmt: skip
    AuditEvent.objects.bulk_create(events)
    return dict(
        zip(
            ("first", "second", "third"),
            AuditEvent.objects.filter(created_at__lt=DAY + timedelta(days=3))
            .order_by("created_at")
            .values_list("pk", flat=True),
            strict=True,
        )
    )


# --- permissions ------------------------------------------------------------------------------

EVERYONE = [("alice", 200), ("bob", 200), ("charlie", 200), ("dave", 403), (None, 302)]
EXPORTERS = [("alice", 200), ("bob", 403), ("charlie", 200), ("dave", 403), (None, 302)]


@pytest.mark.parametrize(("persona", "status"), EVERYONE)
def test_it_shows_the_audit_log_to_staff_only(client, request, event, persona, status):
    _sign_in(client, request, persona)
    response = client.get("/audit/")
    assert response.status_code == status
    if persona is None:
        assert "/login/?next=/audit/" in response["Location"]


@pytest.mark.parametrize(("persona", "status"), EVERYONE)
def test_it_shows_an_event_to_staff_only(client, request, event, persona, status):
    _sign_in(client, request, persona)
    response = client.get(f"/audit/{event.pk}/")
    assert response.status_code == status
    if persona is None:
        assert f"/login/?next=/audit/{event.pk}/" in response["Location"]


@pytest.mark.parametrize(("persona", "status"), EXPORTERS)
def test_it_exports_for_operators_and_auditors_only(client, request, event, persona, status):
    _sign_in(client, request, persona)
    response = client.get("/audit/export.csv")
    assert response.status_code == status
    if persona is None:
        assert "/login/?next=/audit/export.csv" in response["Location"]


def test_it_answers_404_for_an_unknown_event(client, charlie):
    client.force_login(charlie)
    assert client.get("/audit/999999/").status_code == 404


# --- list and filters -------------------------------------------------------------------------


def test_it_links_each_event_to_its_page(client, charlie, event):
    client.force_login(charlie)
    page = client.get("/audit/").content.decode()
    row = page[page.index(f'data-testid="event-{event.pk}"') :].split("</tr>")[0]
    assert f'href="/audit/{event.pk}/"' in row


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("actor=bob", ["second"]),
        ("object_type=platform", ["third", "first"]),
        ("object_type=platform&object_id=2", ["third"]),
        ("object_id=4", ["second"]),
        ("action=platform.update", ["third", "first"]),
        ("created_to=2025-03-02", ["second", "first"]),
        ("created_from=2025-03-02&created_to=2025-03-02", ["second"]),
        ("created_from=2025-03-03", ["third"]),
    ],
)
def test_it_narrows_the_events_by_each_filter(client, charlie, world, query, expected):
    client.force_login(charlie)
    ours = set(world.values())
    everything = _event_ids(client.get("/audit/"))
    assert [pk for pk in everything if pk in ours] == [
        world[n] for n in ("third", "second", "first")
    ]
    filtered = _event_ids(client.get(f"/audit/?{query}"))
    assert [pk for pk in filtered if pk in ours] == [world[name] for name in expected]
    if not query.startswith("created_from"):
        # Only today's events (the personas' creation) could pass a filter on a later day.
        assert set(filtered) <= ours


@pytest.mark.parametrize(
    "query",
    [
        "created_from=tomorrow",
        "created_from=2025-03-03&created_to=2025-03-01",
        "actor=" + "a" * 151,
    ],
)
def test_it_answers_bad_filters_with_400_not_500(client, charlie, world, query):
    client.force_login(charlie)
    response = client.get(f"/audit/?{query}")
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    assert client.get(f"/audit/export.csv?{query}").status_code == 400


def test_it_pages_by_keyset_continuing_exactly_where_the_last_page_ended(client, charlie):
    AuditEvent.objects.bulk_create(
        AuditEvent(actor_name="system", action="bulk.step", object_type="bulk",
                   created_at=DAY + timedelta(minutes=number // 3))
        for number in range(120)
    )  # fmt: skip
    client.force_login(charlie)
    # charlie's own creation is an event too: filter to the bulk ones.
    expected = list(
        AuditEvent.objects.filter(action="bulk.step")
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    first = client.get("/audit/?action=bulk.step")
    assert _event_ids(first) == expected[:50]
    assert _link(first, "newer") is None
    second = client.get("/audit/" + _link(first, "older"))
    assert _event_ids(second) == expected[50:100]
    third = client.get("/audit/" + _link(second, "older"))
    assert _event_ids(third) == expected[100:]
    assert _link(third, "older") is None
    assert _event_ids(client.get("/audit/" + _link(second, "newer"))) == expected[:50]


@pytest.mark.parametrize("rows", [5, 500])
def test_it_reads_the_list_in_a_constant_number_of_queries(
    client, charlie, rows, django_assert_max_num_queries
):
    AuditEvent.objects.bulk_create(
        AuditEvent(actor_name="system", action="bulk.step", object_type="bulk",
                   before={"a": number}, after={"a": number + 1})
        for number in range(rows)
    )  # fmt: skip
    client.force_login(charlie)
    with django_assert_max_num_queries(7):
        response = client.get("/audit/")
    assert len(_event_ids(response)) == min(rows + 1, 50)  # + charlie's creation


# --- one event and its diff -------------------------------------------------------------------


def test_it_shows_changed_added_and_removed_fields_as_dotted_paths(client, charlie):
    event = audit_event_create(
        actor=None, action="platform.update", object_type="platform", object_id=1,
        before={"region": "eu-central-1", "same": 1, "identityProvider": {"name": "old-idp"},
                "landingZones": [{"identifier": "default", "targetOrganizationalUnit": "ou-1"}],
                "tagPrefix": "x_"},
        after={"region": "eu-west-1", "same": 1, "identityProvider": {"name": "old-idp"},
               "landingZones": [{"identifier": "default", "targetOrganizationalUnit": "ou-2"}],
               "endpointUrl": "http://localhost:5000"},
    )  # fmt: skip
    client.force_login(charlie)
    diff = _diff(client.get(f"/audit/{event.pk}/"))
    assert diff == {
        "region": ("changed", "eu-central-1", "eu-west-1"),
        "landingZones[default].targetOrganizationalUnit": ("changed", "ou-1", "ou-2"),
        "tagPrefix": ("removed", "x_", ""),
        "endpointUrl": ("added", "", "http://localhost:5000"),
    }


def test_it_shows_every_field_of_a_created_object_as_added(client, charlie):
    event = audit_event_create(
        actor=None, action="thing.create", object_type="thing",
        after={"name": "one", "limits": {"max": 3}, "flags": [1, 2]},
    )  # fmt: skip
    client.force_login(charlie)
    assert _diff(client.get(f"/audit/{event.pk}/")) == {
        "name": ("added", "", "one"),
        "limits.max": ("added", "", "3"),
        "flags": ("added", "", "[1, 2]"),
    }


def test_it_tells_a_true_from_a_one(client, charlie):
    event = audit_event_create(
        actor=None, action="thing.update", object_type="thing",
        before={"enabled": 1}, after={"enabled": True},
    )  # fmt: skip
    client.force_login(charlie)
    assert _diff(client.get(f"/audit/{event.pk}/")) == {"enabled": ("changed", "1", "true")}


def test_it_says_when_an_event_changed_no_field(client, charlie, event):
    client.force_login(charlie)
    page = client.get(f"/audit/{event.pk}/").content.decode()
    assert 'data-testid="no-changes"' in page
    assert "thing.update" in page


def test_it_shows_a_platform_change_with_fingerprints_only(
    client,
    charlie,
    platform,
    example_record,
):
    from platforms.config_io import parse_record
    from platforms.services import platform_apply

    changed = {**example_record, "accountAliasPattern": "mc-<customer>-<project>"}
    changed["meshfedServiceUser"] = {"accessKey": "AKIANEWCANARY0000002", "secretKey": "new-secret"}
    platform_apply(location=platform.location, record=parse_record(changed), actor=None)
    event = AuditEvent.objects.get(action="platform.update")
    client.force_login(charlie)
    response = client.get(f"/audit/{event.pk}/")
    diff = _diff(response)
    assert diff["accountAliasPattern"] == (
        "changed",
        "meshcloud-<customer>-<project>",
        "mc-<customer>-<project>",
    )
    kind, before, after = diff["meshfedServiceUser.accessKey.fingerprint"]
    assert kind == "changed" and before != after
    page = response.content.decode()
    for secret in (*SECRETS, "AKIANEWCANARY0000002", "new-secret"):
        assert secret not in page


# --- CSV export -------------------------------------------------------------------------------


def test_it_exports_the_filtered_events_with_a_header(client, charlie, world):
    client.force_login(charlie)
    header, *rows = _csv(client.get("/audit/export.csv?action=platform.update"))
    assert header == [
        "id", "created_at", "actor_name", "action", "object_type", "object_id", "object_repr",
        "before", "after", "remark",
    ]  # fmt: skip
    assert [int(row[0]) for row in rows] == [world["third"], world["first"]]
    assert rows[1][header.index("created_at")] == "2025-03-01T10:00:00+00:00"
    assert rows[1][header.index("actor_name")] == "alice"


def test_it_defuses_spreadsheet_formulas_in_the_export(client, charlie):
    audit_event_create(
        actor=None, action="thing.create", object_type="thing", object_repr="@SUM(A1)",
        remark="-2+3", after={"a": 1},
    )  # fmt: skip
    client.force_login(charlie)
    header, *rows = _csv(client.get("/audit/export.csv?action=thing.create"))
    (row,) = rows
    assert row[header.index("object_repr")] == "'@SUM(A1)"
    assert row[header.index("remark")] == "'-2+3"
    assert row[header.index("after")] == '{"a": 1}'
