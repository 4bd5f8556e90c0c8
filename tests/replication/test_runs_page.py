"""The global runs page: who may see it, its filters, keyset pages and the CSV export."""

import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from accounts.services import project_account_create, project_create
from replication.models import ReplicationRun
from replication.views.runs import CSV_HEADER

PERSONAS = ["alice", "bob", "charlie", "dave", None]
DAY = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)


def _sign_in(client, request, persona):
    if persona is not None:
        client.force_login(request.getfixturevalue(persona))


def _run_ids(response) -> list[str]:
    return re.findall(r'data-testid="run-([0-9a-f-]{36})"', response.content.decode())


def _link(response, name: str) -> str | None:
    found = re.search(
        rf'<a [^>]*href="([^"]*)"[^>]*data-testid="{name}"', response.content.decode()
    )
    return html.unescape(found.group(1)) if found else None


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def account(web, platform):
    """acme.web on aws-prod.eu, without the run its creation requested."""
    created = project_account_create(project=web, platform=platform, actor=None)
    created.runs.all().delete()
    return created


@pytest.fixture
def dev_account(acme, location, example_record):
    """acme.api on a second platform, aws-dev.eu."""
    from platforms.config_io import parse_record
    from platforms.services import platform_apply

    dev = platform_apply(
        location=location,
        record=parse_record({**example_record, "platform": "aws-dev"}),
        actor=None,
    ).platform
    api = project_create(customer=acme, identifier="api", actor=None)
    created = project_account_create(project=api, platform=dev, actor=None)
    created.runs.all().delete()
    return created


@pytest.fixture
def world(account, dev_account, bob):
    """Three runs that differ in every filtered column."""
    first = ReplicationRun.objects.create(
        account=account, trigger="account_created", status="succeeded", created_at=DAY
    )
    second = ReplicationRun.objects.create(
        account=account, trigger="resync", status="failed", requested_by=bob,
        created_at=DAY + timedelta(days=1), started_at=DAY + timedelta(days=1),
        finished_at=DAY + timedelta(days=1, seconds=65),
        error="AccessDenied on CreateAccount\nthe whole traceback", error_step="create_account",
    )  # fmt: skip
    third = ReplicationRun.objects.create(
        account=dev_account, trigger="configuration_changed", status="succeeded",
        created_at=DAY + timedelta(days=2),
    )  # fmt: skip
    return {"first": str(first.pk), "second": str(second.pk), "third": str(third.pk)}


# --- permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("alice", 200), ("bob", 200), ("charlie", 200), ("dave", 403), (None, 302)],
)
def test_it_shows_the_runs_page_to_staff_only(client, request, db, persona, status):
    _sign_in(client, request, persona)
    response = client.get("/runs/")
    assert response.status_code == status
    if persona is None:
        assert "/login/?next=/runs/" in response["Location"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("alice", 200), ("bob", 403), ("charlie", 200), ("dave", 403), (None, 302)],
)
def test_it_exports_runs_for_operators_and_auditors_only(client, request, db, persona, status):
    _sign_in(client, request, persona)
    response = client.get("/runs/export.csv")
    assert response.status_code == status
    if persona is None:
        assert "/login/?next=/runs/export.csv" in response["Location"]


@pytest.mark.parametrize(("persona", "shown"), [("alice", True), ("bob", False), ("charlie", True)])
def test_it_offers_the_export_to_those_allowed(client, request, persona, shown):
    _sign_in(client, request, persona)
    assert ('data-testid="export"' in client.get("/runs/").content.decode()) == shown


# --- rows and filters -------------------------------------------------------------------------


def test_it_lists_every_run_newest_first(client, charlie, world):
    client.force_login(charlie)
    assert _run_ids(client.get("/runs/")) == [world["third"], world["second"], world["first"]]


def test_it_shows_account_trigger_requester_duration_and_the_error(client, charlie, world):
    client.force_login(charlie)
    page = client.get("/runs/").content.decode()
    row = page[page.index(f'data-testid="run-{world["second"]}"') :].split("</tr>")[0]
    account = ReplicationRun.objects.get(pk=world["second"]).account
    assert f'href="/accounts/{account.pk}/?run={world["second"]}"' in row
    assert f'href="/accounts/{account.pk}/"' in row
    assert "acme.web on aws-prod.eu" in row and "aws-dev.eu" not in row
    assert "re-sync requested" in row and "bob" in row and "failed" in row
    assert "65.0 s" in row
    assert "AccessDenied on CreateAccount" in row


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=failed", ["second"]),
        ("trigger=configuration_changed", ["third"]),
        ("platform=aws-dev.eu", ["third"]),
        ("requested_by=bob", ["second"]),
        ("created_from=2025-03-02", ["third", "second"]),
        ("created_to=2025-03-02", ["second", "first"]),
        ("created_from=2025-03-02&created_to=2025-03-02", ["second"]),
        ("status=succeeded&platform=aws-prod.eu", ["first"]),
    ],
)
def test_it_narrows_the_rows_by_each_filter(client, charlie, world, query, expected):
    client.force_login(charlie)
    assert len(_run_ids(client.get("/runs/"))) == 3
    assert _run_ids(client.get(f"/runs/?{query}")) == [world[name] for name in expected]


@pytest.mark.parametrize(
    "query",
    [
        "status=nonsense",
        "trigger=%00",
        "platform=nowhere.eu",
        "created_from=yesterday",
        "created_from=2025-03-02&created_to=2025-03-01",
        "created_to=9999-12-31",
        "requested_by=" + "x" * 200,
    ],
)
def test_it_answers_bad_filters_with_400_not_500(client, charlie, world, query):
    client.force_login(charlie)
    response = client.get(f"/runs/?{query}")
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    assert client.get(f"/runs/export.csv?{query}").status_code == 400


@pytest.mark.parametrize("cursor", ["garbage", "", "%FF%FE", "MjAyNXxub3QtYS11dWlk"])
def test_it_shows_the_first_page_for_a_cursor_it_does_not_know(client, charlie, world, cursor):
    client.force_login(charlie)
    for key in ("after", "before"):
        response = client.get(f"/runs/?{key}={cursor}")
        assert response.status_code == 200
        assert len(_run_ids(response)) == 3


# --- keyset pages -----------------------------------------------------------------------------


def _many_runs(account, count: int, *, requested_by=None) -> None:
    # Runs share timestamps by three, so a page ends inside a group: the id breaks the tie.
    ReplicationRun.objects.bulk_create(
        ReplicationRun(
            account=account, trigger="schedule", status="succeeded", requested_by=requested_by,
            created_at=DAY + timedelta(minutes=number // 3),
            started_at=DAY, finished_at=DAY + timedelta(seconds=3), error="=1+1",
        )
        for number in range(count)
    )  # fmt: skip


def test_it_pages_by_keyset_continuing_exactly_where_the_last_page_ended(client, charlie, account):
    _many_runs(account, 120)
    expected = [
        str(pk)
        for pk in ReplicationRun.objects.order_by("-created_at", "-id").values_list("pk", flat=True)
    ]
    client.force_login(charlie)

    first = client.get("/runs/")
    assert _run_ids(first) == expected[:50]
    assert _link(first, "newer") is None
    second = client.get("/runs/" + _link(first, "older"))
    assert _run_ids(second) == expected[50:100]
    third = client.get("/runs/" + _link(second, "older"))
    assert _run_ids(third) == expected[100:]
    assert _link(third, "older") is None

    assert _run_ids(client.get("/runs/" + _link(third, "newer"))) == expected[50:100]
    assert _run_ids(client.get("/runs/" + _link(second, "newer"))) == expected[:50]


def test_it_keeps_the_filters_in_the_page_links(client, charlie, account, bob):
    _many_runs(account, 60, requested_by=bob)
    _many_runs(account, 60)
    client.force_login(charlie)
    first = client.get("/runs/?requested_by=bob")
    assert "requested_by=bob" in _link(first, "older")
    second = client.get("/runs/" + _link(first, "older"))
    assert len(_run_ids(second)) == 10
    assert "requested_by=bob" in _link(first, "export")


@pytest.mark.parametrize("rows", [5, 500])
def test_it_reads_the_page_in_a_constant_number_of_queries(
    client, charlie, account, dev_account, bob, rows, django_assert_max_num_queries
):
    on_prod, on_dev = rows - rows // 2, rows // 2
    _many_runs(account, on_prod, requested_by=bob)
    _many_runs(dev_account, on_dev)
    client.force_login(charlie)
    with django_assert_max_num_queries(8):
        response = client.get("/runs/?platform=aws-prod.eu")
    assert len(_run_ids(response)) == min(on_prod, 50)
    with django_assert_max_num_queries(8):
        assert len(_run_ids(client.get("/runs/"))) == min(rows, 50)


# --- CSV export -------------------------------------------------------------------------------


def test_it_exports_a_header_and_one_row_per_run(client, charlie, world):
    client.force_login(charlie)
    response = client.get("/runs/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="meshaws-runs-')
    header, *rows = _csv(response)
    assert header == list(CSV_HEADER)
    assert [row[0] for row in rows] == [world["third"], world["second"], world["first"]]
    second = dict(zip(header, rows[1], strict=True))
    assert second["customer"] == "acme" and second["project"] == "web"
    assert second["platform"] == "aws-prod.eu" and second["status"] == "failed"
    assert second["requested_by"] == "bob" and second["trigger"] == "resync"
    assert second["duration_seconds"] == "65.0"
    assert second["created_at"] == "2025-03-02T10:00:00+00:00"
    assert second["error"] == "AccessDenied on CreateAccount\nthe whole traceback"
    assert dict(zip(header, rows[0], strict=True))["requested_by"] == "system"


def test_it_exports_only_the_filtered_runs(client, charlie, world):
    client.force_login(charlie)
    rows = _csv(client.get("/runs/export.csv?status=succeeded&created_from=2025-03-03"))
    assert [row[0] for row in rows[1:]] == [world["third"]]


def test_it_defuses_spreadsheet_formulas_in_the_export(client, charlie, account):
    ReplicationRun.objects.create(
        account=account, trigger="schedule", status="failed", error='=HYPERLINK("http://x")',
        error_code="+SUM(1)", error_operation="@cmd",
    )  # fmt: skip
    client.force_login(charlie)
    header, row = _csv(client.get("/runs/export.csv"))
    exported = dict(zip(header, row, strict=True))
    assert exported["error"] == '\'=HYPERLINK("http://x")'
    assert exported["error_code"] == "'+SUM(1)"
    assert exported["error_operation"] == "'@cmd"


def test_it_links_each_run_to_its_account_page(client, charlie, account):
    project = project_create(customer=account.project.customer, identifier="api", actor=None)
    other = project_account_create(project=project, platform=account.platform, actor=None)
    client.force_login(charlie)
    page = client.get("/runs/").content.decode()
    run = other.runs.get()
    row = page[page.index(f'data-testid="run-{run.pk}"') :].split("</tr>")[0]
    assert f'href="/accounts/{other.pk}/"' in row and "acme.api" in row
