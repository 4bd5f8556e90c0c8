"""Each list's filters are declared once: a parameter selects the same rows on the page, in its
CSV export and in the API, and a bad value is a 400 naming the parameter on every one of them."""

import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import ProjectAccount
from accounts.services import customer_create, project_account_create, project_create
from audit.models import AuditEvent
from replication.models import ReplicationRun
from tests.helpers import api_for

DAY = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
TOO_BIG = 99999999999999999999


def _csv_first_column(response) -> list[str]:
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    return [row[0] for row in rows[1:]]


def _api_ids(response, key: str = "id") -> list:
    assert response.status_code == 200, response.content
    return [row[key] for row in response.json()["results"]]


def _page_error(response, parameter: str) -> bool:
    return f'data-testid="error-{parameter}"' in html.unescape(response.content.decode())


@pytest.fixture
def dev_platform(location, example_record):
    """A second platform, aws-dev.eu."""
    from platforms.config_io import parse_record
    from platforms.services import platform_apply

    record = parse_record({**example_record, "platform": "aws-dev"})
    return platform_apply(location=location, record=record, actor=None).platform


@pytest.fixture
def accounts(acme, platform, dev_platform):
    """acme.web on aws-prod.eu (ready), acme.api on aws-dev.eu, globex.web on aws-prod.eu in
    the sandbox landing zone (failed); none with a run yet."""
    globex = customer_create(identifier="globex", actor=None)
    made = {
        "acme.web": (acme, "web", platform, None),
        "acme.api": (acme, "api", dev_platform, None),
        "globex.web": (globex, "web", platform, "sandbox"),
    }
    for name, (customer, identifier, on, zone) in made.items():
        project = project_create(customer=customer, identifier=identifier, actor=None)
        made[name] = project_account_create(
            project=project, platform=on, landing_zone=zone, actor=None
        ).pk
    ProjectAccount.objects.filter(pk=made["acme.web"]).update(status="ready")
    ProjectAccount.objects.filter(pk=made["globex.web"]).update(status="failed")
    ReplicationRun.objects.all().delete()
    return made


# --- the accounts list: page and API ----------------------------------------------------------

ACCOUNT_QUERIES = [
    # The page used to read `project` as a project identifier: the API's `customer.project` won.
    {"project": "acme.web"},
    {"project": "globex.web"},
    {"customer": "globex"},
    {"platform": "aws-dev.eu"},
    {"landing_zone": "sandbox"},
    {"status": "failed"},
    {"q": "globex"},
    {"customer": "acme", "platform": "aws-prod.eu"},
]


@pytest.mark.parametrize("query", ACCOUNT_QUERIES)
def test_it_gives_the_same_accounts_on_the_page_and_in_the_api(client, alice, accounts, query):
    client.force_login(alice)
    page = client.get("/accounts/", query)
    assert page.status_code == 200
    on_page = sorted(account.pk for account in page.context["page"].object_list)
    urls = _api_ids(api_for(alice).get("/api/v1/accounts/", query), key="url")
    in_api = sorted(int(re.search(r"/accounts/(\d+)/$", url).group(1)) for url in urls)
    assert on_page == in_api
    assert 0 < len(on_page) < len(accounts)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"project": "web"}, "project"),
        ({"project": "acme."}, "project"),
        ({"platform": "nope.eu"}, "platform"),
        ({"platform": "aws-prod"}, "platform"),
        ({"status": "nonsense"}, "status"),
        ({"customer": "ac\x00me"}, "customer"),
    ],
)
def test_it_refuses_a_bad_account_filter_on_the_page_and_in_the_api(
    client, alice, accounts, query, parameter
):
    client.force_login(alice)
    page = client.get("/accounts/", query)
    assert page.status_code == 400 and _page_error(page, parameter)
    api = api_for(alice).get("/api/v1/accounts/", query)
    assert api.status_code == 400 and list(api.json()) == [parameter]


# --- the run history: page, CSV export and API -------------------------------------------------


@pytest.fixture
def runs(accounts, bob):
    """One run per account and day, differing in status, trigger and requester."""
    made = {}
    for number, (name, account) in enumerate(accounts.items()):
        run = ReplicationRun.objects.create(
            account_id=account, created_at=DAY + timedelta(days=number),
            trigger=["resync", "schedule", "configuration_changed"][number],
            status=["failed", "succeeded", "succeeded"][number],
            requested_by=bob if number == 0 else None,
        )  # fmt: skip
        made[name] = str(run.pk)
    return made


RUN_QUERIES = [
    {"status": "succeeded"},
    {"trigger": "resync"},
    {"platform": "aws-dev.eu"},
    {"platform": "aws-prod.eu", "status": "succeeded"},
    {"account": "globex.web"},
    {"requested_by": "bob"},
    {"created_from": "2025-03-02"},
    {"created_to": "2025-03-02"},
    {"created_from": "2025-03-02", "created_to": "2025-03-02"},
]


@pytest.mark.parametrize("query", RUN_QUERIES)
def test_it_gives_the_same_runs_on_the_page_in_the_export_and_in_the_api(
    client, alice, accounts, runs, query
):
    if "account" in query:
        query = {"account": accounts[query["account"]]}
    client.force_login(alice)
    page = client.get("/runs/", query)
    assert page.status_code == 200
    on_page = re.findall(r'data-testid="run-([0-9a-f-]{36})"', page.content.decode())
    exported = _csv_first_column(client.get("/runs/export.csv", query))
    in_api = _api_ids(api_for(alice).get("/api/v1/runs/", query))
    assert on_page == exported == in_api
    assert 0 < len(on_page) < len(runs)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"status": "nonsense"}, "status"),
        ({"trigger": "\x00"}, "trigger"),
        ({"platform": "nowhere.eu"}, "platform"),
        ({"account": "1.5"}, "account"),
        ({"account": str(TOO_BIG)}, "account"),
        ({"requested_by": "x" * 200}, "requested_by"),
        ({"created_from": "yesterday"}, "created_from"),
        ({"created_to": "9999-12-31"}, "created_to"),
        ({"created_from": "2025-03-02", "created_to": "2025-03-01"}, "created_to"),
    ],
)
def test_it_refuses_a_bad_run_filter_on_the_page_in_the_export_and_in_the_api(
    client, alice, runs, query, parameter
):
    client.force_login(alice)
    page = client.get("/runs/", query)
    assert page.status_code == 400 and _page_error(page, parameter)
    export = client.get("/runs/export.csv", query)
    assert export.status_code == 400 and f"{parameter}: " in export.content.decode()
    api = api_for(alice).get("/api/v1/runs/", query)
    assert api.status_code == 400 and list(api.json()) == [parameter]


# --- the audit log: page and CSV export (there is no audit API) -------------------------------


@pytest.fixture
def events(db):
    AuditEvent.objects.bulk_create(
        AuditEvent(actor_name=actor, action=action, object_type=kind, object_id=pk,
                   created_at=DAY + timedelta(days=number))
        for number, (actor, action, kind, pk) in enumerate([
            ("alice", "platform.update", "platform", "1"),
            ("bob", "replication.request", "project_account", "4"),
            ("system", "platform.update", "platform", "2"),
        ])
    )  # fmt: skip


AUDIT_QUERIES = [
    {"actor": "bob"},
    {"object_type": "platform", "object_id": "2"},
    {"action": "platform.update"},
    {"created_from": "2025-03-02", "created_to": "2025-03-02"},
]


@pytest.mark.parametrize("query", AUDIT_QUERIES)
def test_it_gives_the_same_events_on_the_page_and_in_the_export(client, alice, events, query):
    client.force_login(alice)
    page = client.get("/audit/", query)
    assert page.status_code == 200
    on_page = re.findall(r'data-testid="event-(\d+)"', page.content.decode())
    assert on_page and on_page == _csv_first_column(client.get("/audit/export.csv", query))


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"actor": "a" * 151}, "actor"),
        ({"object_id": "\x00"}, "object_id"),
        ({"created_from": "tomorrow"}, "created_from"),
        ({"created_from": "2025-03-03", "created_to": "2025-03-01"}, "created_to"),
    ],
)
def test_it_refuses_a_bad_audit_filter_on_the_page_and_in_the_export(
    client, alice, events, query, parameter
):
    client.force_login(alice)
    page = client.get("/audit/", query)
    assert page.status_code == 400 and _page_error(page, parameter)
    export = client.get("/audit/export.csv", query)
    assert export.status_code == 400 and f"{parameter}: " in export.content.decode()
