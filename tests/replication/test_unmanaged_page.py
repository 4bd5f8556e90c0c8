"""The Unmanaged accounts page (with the latest scan's progress) and
`/api/v1/unmanaged-accounts/`, per role."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

import aws
from audit.models import AuditEvent
from platforms.config_io import parse_record
from platforms.services import platform_apply
from replication.discovery import scan_execute
from replication.models import DiscoveryScan, UnmanagedAccount
from tests.helpers import account_made_outside, api_for, management

PERSONAS = ["alice", "bob", "charlie", "dave"]
READERS = {"alice", "bob", "charlie"}
DAY = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)


def _outside(state) -> str:
    """An account made without meshaws, in the landing-zone OU."""
    account_id = account_made_outside(state.endpoint_url, "legacy@example.com", "legacy")
    aws.call(
        management(state.endpoint_url, "organizations"), "move_account", AccountId=account_id,
        SourceParentId=state.root_id, DestinationParentId=state.landing_zone_ou_id,
    )  # fmt: skip
    return account_id


def _listed(platform) -> set[str]:
    return set(
        UnmanagedAccount.objects.filter(platform=platform).values_list("aws_account_id", flat=True)
    )


# --- the page and the API -----------------------------------------------------------------


@pytest.fixture
def unmanaged(platform):
    """Three unmanaged accounts on aws-prod.eu: two active in ou-a, one suspended in the root."""
    rows = [
        ("111111111111", "ou-a", "ACTIVE"),
        ("222222222222", "ou-a", "ACTIVE"),
        ("333333333333", "r-root", "SUSPENDED"),
    ]
    return [
        UnmanagedAccount.objects.create(
            platform=platform,
            aws_account_id=account_id,
            name=f"n{account_id[0]}",
            email=f"{account_id}@example.com",
            parent_id=parent,
            state=state,
            first_seen=DAY,
            last_seen=DAY,
        )  # fmt: skip
        for account_id, parent, state in rows
    ]


def _page(platform) -> str:
    return reverse(
        "platform-unmanaged-accounts",
        kwargs={"location": platform.location.identifier, "platform": platform.identifier},
    )


def _progress(platform) -> str:
    return reverse(
        "platform-discovery-progress",
        kwargs={"location": platform.location.identifier, "platform": platform.identifier},
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_page_is_for_staff(client, request, persona, platform, unmanaged):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(_page(platform))
    assert response.status_code == (200 if persona in READERS else 403)
    if persona in READERS:
        assert b'data-testid="unmanaged-333333333333"' in response.content


@pytest.mark.parametrize(
    "query, expected",
    [
        ("parent=ou-a", {"111111111111", "222222222222"}),
        ("state=SUSPENDED", {"333333333333"}),
        ("parent=ou-a&state=SUSPENDED", set()),
    ],
)
def test_the_page_filters_by_ou_and_state(client, alice, platform, unmanaged, query, expected):
    client.force_login(alice)
    content = client.get(f"{_page(platform)}?{query}").content.decode()
    shown = {
        row.aws_account_id for row in unmanaged if f"unmanaged-{row.aws_account_id}" in content
    }
    assert shown == expected


def test_the_page_follows_a_running_scan_and_stops_once_it_is_over(client, bob, platform):
    client.force_login(bob)
    scan = DiscoveryScan.objects.create(
        platform=platform, status=DiscoveryScan.Status.RUNNING, started_at=timezone.now(),
        accounts_listed=340, accounts_read=120, unmanaged_found=7,
    )  # fmt: skip

    content = client.get(_page(platform)).content.decode()
    assert "read 120 of 340 accounts, 7 unmanaged so far" in content
    assert f'hx-get="{_progress(platform)}"' in content
    polled = client.get(_progress(platform))
    assert polled.status_code == 200 and "HX-Refresh" not in polled
    assert "read 120 of 340 accounts" in polled.content.decode()

    DiscoveryScan.objects.filter(pk=scan.pk).update(
        status=DiscoveryScan.Status.FAILED, finished_at=timezone.now(),
        error="ListAccounts answered AccessDeniedException: no",
    )  # fmt: skip
    assert client.get(_progress(platform))["HX-Refresh"] == "true"
    content = client.get(_page(platform)).content.decode()
    assert "hx-get" not in content.split('id="discovery-scan"')[1].split(">")[0]
    assert "ListAccounts answered AccessDeniedException: no" in content


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_progress_is_for_staff(client, request, persona, platform):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(_progress(platform)).status_code == (200 if persona in READERS else 403)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_operators_see_the_scan_button(client, request, persona, platform):
    client.force_login(request.getfixturevalue(persona))
    detail = reverse("platform-detail", kwargs={"location": "eu", "platform": "aws-prod"})
    content = client.get(detail).content
    assert (b'data-testid="discover-platform"' in content) == (persona == "alice")
    if persona in READERS:
        assert b'data-testid="unmanaged-accounts"' in content
        page = client.get(_page(platform)).content
        assert (b'data-testid="discover"' in page) == (persona == "alice")


@pytest.mark.sandbox
@pytest.mark.parametrize("persona", PERSONAS)
def test_only_operators_start_a_scan(client, request, persona, sandbox_state, sandbox_platform):
    outside = _outside(sandbox_state)
    client.force_login(request.getfixturevalue(persona))
    url = reverse("platform-discover", kwargs={"location": "local", "platform": "aws"})

    response = client.post(url)

    if persona == "alice":
        assert response.status_code == 302
        assert response["Location"] == _page(sandbox_platform)
        scan = DiscoveryScan.objects.get()
        assert (scan.status, scan.requested_by.username) == ("queued", "alice")
        # A second press shows the scan in progress instead of starting another.
        assert client.post(url).status_code == 302 and DiscoveryScan.objects.count() == 1
        page = client.get(_page(sandbox_platform)).content.decode()
        assert "is queued already" in page and "waiting for a worker" in page
        scan_execute(scan.pk)
        assert outside in _listed(sandbox_platform)
        assert AuditEvent.objects.get(action="platform.discover").actor_name == "alice"
    else:
        assert response.status_code == 403
        assert not DiscoveryScan.objects.exists()


@pytest.mark.parametrize("persona", [*PERSONAS, None])
def test_the_api_is_for_staff(request, persona, platform, unmanaged):
    user = request.getfixturevalue(persona) if persona else None
    response = api_for(user).get("/api/v1/unmanaged-accounts/?platform=aws-prod.eu")
    expected = 200 if persona in READERS else (401 if persona is None else 403)
    assert response.status_code == expected
    if expected == 200:
        first = response.json()["results"][0]
        assert first == {
            "platform": "aws-prod.eu", "aws_account_id": "111111111111", "name": "n1",
            "email": "111111111111@example.com", "parent": "ou-a", "state": "ACTIVE",
            "tags": {}, "first_seen": "2025-03-01T10:00:00Z", "last_seen": "2025-03-01T10:00:00Z",
        }  # fmt: skip


def test_the_api_filters_by_platform_ou_and_state(
    operator_api, platform, unmanaged, location, example_record
):
    dev = platform_apply(
        location=location, record=parse_record({**example_record, "platform": "aws-dev"}),
        actor=None,
    ).platform  # fmt: skip
    UnmanagedAccount.objects.create(
        platform=dev, aws_account_id="444444444444", first_seen=DAY, last_seen=DAY
    )

    def ids(query):
        response = operator_api.get(f"/api/v1/unmanaged-accounts/?{query}")
        assert response.status_code == 200
        return {row["aws_account_id"] for row in response.json()["results"]}

    assert ids("platform=aws-dev.eu") == {"444444444444"}
    assert ids("platform=aws-prod.eu&parent=ou-a") == {"111111111111", "222222222222"}
    assert ids("platform=aws-prod.eu&state=SUSPENDED") == {"333333333333"}


def test_the_api_refuses_an_unknown_platform_by_name(operator_api, platform):
    response = operator_api.get("/api/v1/unmanaged-accounts/?platform=nope")
    assert response.status_code == 400
    assert "platform" in response.json()


def test_the_api_is_read_only(operator_api, platform):
    response = operator_api.post("/api/v1/unmanaged-accounts/", {}, format="json")
    assert response.status_code == 405
