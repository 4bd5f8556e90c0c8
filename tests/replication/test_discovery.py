"""Discovery: a platform's organization scanned for accounts no project account manages, on
the emulator; the Unmanaged accounts page and `/api/v1/unmanaged-accounts/`, per role."""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

import aws
from accounts.services import project_account_create
from audit.models import AuditEvent
from platforms.config_io import parse_record
from platforms.services import platform_apply
from replication import discovery
from replication.cron import discover_all_platforms
from replication.discovery import discovery_run
from replication.models import UnmanagedAccount
from tests.helpers import (
    EXAMPLE_VALUES,
    account_made_outside,
    allows,
    api_for,
    authorized,
    guide_policies,
    management,
    run_to_end,
    sandbox_record,
)

PERSONAS = ["alice", "bob", "charlie", "dave"]
READERS = {"alice", "bob", "charlie"}
DAY = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)


def _outside(state, email="legacy@example.com", name="legacy") -> str:
    """An account made without meshaws, tagged, moved into the landing-zone OU."""
    account_id = account_made_outside(
        state.endpoint_url, email, name, Tags=[{"Key": "owner", "Value": "finance"}]
    )
    aws.call(
        management(state.endpoint_url, "organizations"), "move_account", AccountId=account_id,
        SourceParentId=state.root_id, DestinationParentId=state.landing_zone_ou_id,
    )  # fmt: skip
    return account_id


def _listed(platform) -> dict[str, UnmanagedAccount]:
    return {row.aws_account_id: row for row in UnmanagedAccount.objects.filter(platform=platform)}


@pytest.mark.sandbox
def test_it_finds_an_account_made_outside_with_its_ou_state_and_tags(
    sandbox_state, sandbox_platform, enable
):
    managed, run = enable()
    assert run_to_end(run.pk)[0] == "succeeded"
    managed.refresh_from_db()
    outside = _outside(sandbox_state)

    result = discovery_run(platform=sandbox_platform, actor=None)

    listed = _listed(sandbox_platform)
    row = listed[outside]
    assert (row.name, row.email) == ("legacy", "legacy@example.com")
    assert row.parent_id == sandbox_state.landing_zone_ou_id
    assert row.state == "ACTIVE"
    assert row.tags == {"owner": "finance"}
    assert managed.aws_account_id not in listed
    # The bootstrap's accounts (management, meshcloud, automation) are unmanaged too.
    assert sandbox_state.automation_account_id in listed
    assert (result.accounts, result.unmanaged) == (len(listed) + 1, len(listed))
    event = AuditEvent.objects.get(action="platform.discover")
    assert event.after["unmanaged"] == len(listed)
    assert event.after["new"] == len(listed)


@pytest.mark.sandbox
def test_it_moves_last_seen_and_keeps_first_seen(sandbox_state, sandbox_platform, monkeypatch):
    outside = _outside(sandbox_state)
    monkeypatch.setattr(discovery.timezone, "now", lambda: DAY)
    discovery_run(platform=sandbox_platform, actor=None)
    later = DAY.replace(day=2)
    monkeypatch.setattr(discovery.timezone, "now", lambda: later)

    result = discovery_run(platform=sandbox_platform, actor=None)

    row = _listed(sandbox_platform)[outside]
    assert (row.first_seen, row.last_seen) == (DAY, later)
    assert result.new == 0


@pytest.mark.sandbox
def test_it_stops_listing_an_account_once_it_is_managed(sandbox_state, sandbox_platform, project):
    outside = _outside(sandbox_state)
    discovery_run(platform=sandbox_platform, actor=None)
    assert outside in _listed(sandbox_platform)
    project_account_create(
        project=project, platform=sandbox_platform, aws_account_id=outside, actor=None
    )

    result = discovery_run(platform=sandbox_platform, actor=None)

    assert outside not in _listed(sandbox_platform)
    assert result.gone == 1


@pytest.mark.sandbox
def test_it_stops_listing_an_account_that_left_the_organization(sandbox_state, sandbox_platform):
    outside = _outside(sandbox_state)
    discovery_run(platform=sandbox_platform, actor=None)
    aws.call(
        management(sandbox_state.endpoint_url, "organizations"), "remove_account_from_organization",
        AccountId=outside,
    )  # fmt: skip

    discovery_run(platform=sandbox_platform, actor=None)

    assert outside not in _listed(sandbox_platform)


@pytest.mark.sandbox
def test_it_scans_from_the_command(sandbox_state, sandbox_platform, capsys):
    outside = _outside(sandbox_state)

    call_command("discover_accounts", "aws.local")

    assert outside in _listed(sandbox_platform)
    assert "unmanaged" in capsys.readouterr().out


def test_the_command_refuses_an_unknown_platform(db):
    with pytest.raises(CommandError, match="no platform 'nope.local'"):
        call_command("discover_accounts", "nope.local")


@pytest.mark.sandbox
def test_the_daily_job_scans_every_platform_and_survives_one_unreachable(
    sandbox_state, sandbox_platform
):
    outside = _outside(sandbox_state)
    missing = f"arn:aws:iam::{sandbox_state.management_account_id}:role/NoSuchRole"
    record = sandbox_record(sandbox_state, platform="broken", organizationRootAccountRole=missing)
    platform_apply(location=sandbox_platform.location, record=parse_record(record), actor=None)

    assert discover_all_platforms() == 1

    assert outside in _listed(sandbox_platform)


@pytest.mark.sandbox
def test_the_guide_allows_every_call_of_discovery(sandbox_state, sandbox_platform):
    _outside(sandbox_state)
    with aws.capturing() as calls:
        discovery_run(platform=sandbox_platform, actor=None)
    policy = guide_policies(**EXAMPLE_VALUES)["management-role"]
    account_arn = f"arn:aws:organizations::{EXAMPLE_VALUES['managementAccountId']}:account/o-a/1"
    actions = {f"organizations:{call.operation}" for call in calls if call.service != "sts"}
    assert actions == {
        "organizations:ListAccounts",
        "organizations:ListParents",
        "organizations:ListTagsForResource",
    }
    for action in actions:
        assert allows(policy, action), action
        resource = "*" if action == "organizations:ListAccounts" else account_arn
        assert authorized(policy, action, [resource]), action


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


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_operators_see_the_scan_button(client, request, persona, platform):
    client.force_login(request.getfixturevalue(persona))
    detail = reverse("platform-detail", kwargs={"location": "eu", "platform": "aws-prod"})
    content = client.get(detail).content
    assert (b'data-testid="discover-platform"' in content) == (persona == "alice")
    if persona in READERS:
        assert b'data-testid="unmanaged-accounts"' in content


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
        assert outside in _listed(sandbox_platform)
        assert AuditEvent.objects.get(action="platform.discover").actor_name == "alice"
    else:
        assert response.status_code == 403
        assert not _listed(sandbox_platform)


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
