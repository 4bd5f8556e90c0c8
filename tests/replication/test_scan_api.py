"""`/api/v1/discovery-scans/`: an operator starts a scan of a platform's organization and
follows its progress; support staff and auditors read scans; one scan at a time per platform."""

import pytest

from audit.models import AuditEvent
from replication import jobs
from replication.discovery import scan_execute
from replication.models import DiscoveryScan
from tests.helpers import account_made_outside, api_for

SCANS = "/api/v1/discovery-scans/"


@pytest.fixture
def queued(monkeypatch):
    """The scans whose job would be queued (after commit), without Redis."""
    ids = []
    monkeypatch.setattr(jobs, "enqueue_discovery", lambda scan_id, *args, **kw: ids.append(scan_id))
    return ids


def test_an_operator_starts_a_scan_and_a_second_request_joins_it(
    operator_api, alice, platform, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_api.post(SCANS, {"platform": "aws-prod.eu"}, format="json")

    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["platform"], body["status"], body["requested_by"]) == (
        "aws-prod.eu", "queued", "alice",
    )  # fmt: skip
    assert body["url"].endswith(f"{SCANS}{body['id']}/")
    assert [str(scan_id) for scan_id in queued] == [body["id"]]
    assert AuditEvent.objects.get(action="platform.discover_request").actor == alice

    again = operator_api.post(SCANS, {"platform": "aws-prod.eu"}, format="json")
    assert again.status_code == 200, again.content
    assert again.json()["id"] == body["id"]
    assert DiscoveryScan.objects.count() == 1


@pytest.mark.sandbox
def test_it_shows_the_progress_and_result_of_a_scan(
    operator_api, sandbox_state, sandbox_platform, queued
):
    account_made_outside(sandbox_state.endpoint_url, "legacy@example.com", "legacy")
    started = operator_api.post(SCANS, {"platform": sandbox_platform.full_identifier})
    scan_id = started.json()["id"]
    scan_execute(scan_id)

    body = operator_api.get(f"{SCANS}{scan_id}/").json()
    assert body["status"] == "succeeded" and not body["error"]
    assert body["accounts_listed"] == body["accounts_read"] >= 1
    assert body["unmanaged_found"] >= 1 and body["started_at"] and body["finished_at"]
    unmanaged = operator_api.get(
        "/api/v1/unmanaged-accounts/", {"platform": sandbox_platform.full_identifier}
    ).json()
    assert body["unmanaged_found"] == unmanaged["count"]


def test_it_lists_scans_newest_first_by_platform_and_status(operator_api, platform, alice):
    old = DiscoveryScan.objects.create(platform=platform, status="failed", error="AccessDenied")
    new = DiscoveryScan.objects.create(platform=platform, requested_by=alice)

    listed = operator_api.get(SCANS, {"platform": "aws-prod.eu"}).json()["results"]
    assert [scan["id"] for scan in listed] == [str(new.pk), str(old.pk)]
    failed = operator_api.get(SCANS, {"status": "failed"}).json()["results"]
    assert [(scan["id"], scan["error"]) for scan in failed] == [(str(old.pk), "AccessDenied")]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"platform": "nowhere.eu"}, "platform"), ({}, "platform"), ({"platform": ""}, "platform")],
)
def test_it_answers_400_naming_the_field(operator_api, platform, queued, body, field):
    response = operator_api.post(SCANS, body, format="json")
    assert response.status_code == 400 and field in response.json(), response.content
    assert not DiscoveryScan.objects.exists() and not queued


def test_an_unknown_filter_value_is_a_400(operator_api, platform):
    assert operator_api.get(SCANS, {"platform": "nope"}).status_code == 400
    assert operator_api.get(SCANS, {"status": "sleeping"}).status_code == 400


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_support_and_auditors_read_scans_but_start_none(request, persona, platform, queued):
    scan = DiscoveryScan.objects.create(platform=platform)
    api = api_for(request.getfixturevalue(persona))
    assert api.get(f"{SCANS}{scan.pk}/").json()["status"] == "queued"
    assert api.post(SCANS, {"platform": "aws-prod.eu"}, format="json").status_code == 403
    assert DiscoveryScan.objects.count() == 1 and not queued


def test_scans_are_never_changed_or_deleted(operator_api, platform):
    scan = DiscoveryScan.objects.create(platform=platform)
    assert operator_api.patch(f"{SCANS}{scan.pk}/", {"status": "failed"}).status_code == 405
    assert operator_api.delete(f"{SCANS}{scan.pk}/").status_code == 405
    assert api_for(None).get(SCANS).status_code == 401
