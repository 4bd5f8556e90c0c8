"""Live overviews: a poll that finds nothing changed is a 304 in at most 2 queries; a change
(a run finishing, a retirement decided, a role taken away) brings the page again."""

import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import ProjectAccount
from accounts.roles import AUDITOR
from accounts.services import (
    deletion_approve,
    deletion_request,
    project_account_create,
    project_create,
    staff_role_set,
)
from replication import live
from replication.models import ReplicationBatch, ReplicationRun
from replication.services import resync_batch_create

LIVE = {"HTTP_X_MESHAWS_LIVE": "1"}


@pytest.fixture
def accounts(acme, platform):
    made = []
    for number in range(3):
        project = project_create(customer=acme, identifier=f"p{number}", actor=None)
        made.append(project_account_create(project=project, platform=platform, actor=None))
    return made


@pytest.fixture
def batch(accounts):
    return resync_batch_create(accounts=accounts, description="three accounts", actor=None)


def _pages(batch):
    return ["/", "/accounts/", "/runs/", "/runs/?status=pending", f"/batches/{batch.pk}/",
            "/retirements/", "/retirements/?tab=in_progress"]  # fmt: skip


def _poll(client, url, etag=None):
    headers = LIVE | ({"HTTP_IF_NONE_MATCH": etag} if etag else {})
    return client.get(url, **headers)


def _finish(run):
    ReplicationRun.objects.filter(pk=run.pk).update(
        status=ReplicationRun.Status.SUCCEEDED, finished_at=timezone.now(),
        updated_at=timezone.now(),
    )  # fmt: skip


@pytest.mark.parametrize("index", range(7))
def test_it_answers_an_unchanged_poll_with_304_in_two_queries(
    client, alice, batch, index, django_assert_max_num_queries
):
    url = _pages(batch)[index]
    client.force_login(alice)
    first = _poll(client, url)
    assert first.status_code == 200 and first["ETag"]
    with django_assert_max_num_queries(2):
        again = _poll(client, url, first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    assert again.content == b""


@pytest.mark.parametrize("index", range(7))
def test_it_answers_200_with_a_new_etag_when_a_run_finishes(client, alice, batch, index):
    url = _pages(batch)[index]
    client.force_login(alice)
    etag = _poll(client, url)["ETag"]
    _finish(batch.runs.first())
    changed = _poll(client, url, etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert b"data-live" in changed.content


def test_the_batch_page_shows_the_change_of_its_runs_live(client, alice, batch):
    client.force_login(alice)
    etag = _poll(client, f"/batches/{batch.pk}/")["ETag"]
    for run in batch.runs.all():
        _finish(run)
    page = _poll(client, f"/batches/{batch.pk}/", etag).content.decode()
    assert 'data-testid="batch-done">done 3<' in page and "finished" in page


def test_a_page_load_without_the_live_header_has_no_etag(client, alice, batch):
    client.force_login(alice)
    assert not client.get("/accounts/").has_header("ETag")


@pytest.mark.parametrize("index", range(7))
def test_the_page_carries_its_etag_so_the_first_poll_is_a_304(client, alice, batch, index):
    url = _pages(batch)[index]
    client.force_login(alice)
    found = re.search(r'data-live-etag="([^"]+)"', client.get(url).text)
    assert found, "no data-live-etag on the page"
    assert _poll(client, url, html.unescape(found[1])).status_code == 304


def test_an_etag_is_good_only_for_the_user_it_was_given_to(client, alice, bob, batch):
    client.force_login(alice)
    etag = _poll(client, "/runs/")["ETag"]
    client.force_login(bob)
    assert _poll(client, "/runs/", etag).status_code == 200


def test_a_role_change_sends_the_next_poll_to_the_view_and_its_check(client, bob, batch):
    client.force_login(bob)
    etag = _poll(client, "/accounts/")["ETag"]
    staff_role_set(user=bob, role=AUDITOR, actor=None)  # audited: the version moves
    assert _poll(client, "/accounts/", etag).status_code == 200


def test_a_deactivated_user_gets_no_304(client, alice, bob, batch):
    client.force_login(bob)
    etag = _poll(client, "/accounts/")["ETag"]
    get_user_model().objects.filter(pk=bob.pk).update(is_active=False)
    assert _poll(client, "/accounts/", etag).status_code == 302


def test_a_retirement_decision_changes_the_queue_version(alice, olga, accounts):
    sources = ("retirements", "accounts")
    deletion_request(account=accounts[0], comment="done with it", actor=alice)
    before = live.versions(sources, {})
    deletion_approve(account=accounts[0], comment="agreed", actor=olga)
    after = live.versions(sources, {})
    assert after[0] > before[0] and after[1] > before[1]


def test_a_live_poll_leaves_the_flash_messages_for_the_next_page(client, bob, accounts):
    client.force_login(bob)
    response = client.post("/accounts/resync/", {"account": [accounts[0].pk]})
    _poll(client, "/accounts/")
    assert "Re-sync of 1 account(s) requested." in client.get(response["Location"]).text


def test_pages_work_when_the_session_cache_is_down(client, settings, alice, batch):
    settings.CACHES = settings.CACHES | {
        "sessions": settings.CACHES["sessions"] | {"LOCATION": "unix:///nonexistent/redis.sock"}
    }
    client.force_login(alice)
    assert client.get("/accounts/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/accounts/").status_code == 302


def test_an_unknown_live_source_is_refused():
    with pytest.raises(ValueError, match="nope"):
        live.live_page("nope")


def test_the_runs_live_version_ignores_other_batches(accounts):
    first = resync_batch_create(accounts=accounts[:1], description="one", actor=None)
    ReplicationRun.objects.update(status="succeeded")
    second = resync_batch_create(accounts=accounts[1:2], description="two", actor=None)
    before = live.versions(("batch_runs",), {"batch": first.pk})
    _finish(second.runs.get())
    assert live.versions(("batch_runs",), {"batch": first.pk}) == before
    assert ReplicationBatch.objects.count() == 2 and ProjectAccount.objects.count() == 3


def test_a_turned_minute_brings_the_page_again_for_its_relative_times(
    client, alice, batch, monkeypatch
):
    client.force_login(alice)
    etag = _poll(client, "/runs/")["ETag"]
    assert _poll(client, "/runs/", etag).status_code == 304
    later = live.clock() + 61
    monkeypatch.setattr(live, "clock", lambda: later)
    assert _poll(client, "/runs/", etag).status_code == 200
