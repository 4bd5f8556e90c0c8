"""A change renders each live page once for everyone who may see the same: users with the
same permissions share the answer; other permissions, or a page of one's own, do not."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.services import deletion_request, project_account_create, project_create
from replication.models import ReplicationRun
from replication.services import resync_batch_create

LIVE = {"HTTP_X_MESHAWS_LIVE": "1"}


@pytest.fixture
def batch(acme, platform):
    accounts = [
        project_account_create(
            project=project_create(customer=acme, identifier=f"p{n}", actor=None),
            platform=platform,
            actor=None,
        )  # fmt: skip
        for n in range(3)
    ]
    return resync_batch_create(accounts=accounts, description="three accounts", actor=None)


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _poll(client: Client, url: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **LIVE)
    return response, len(queries)


def _finish(run):
    ReplicationRun.objects.filter(pk=run.pk).update(
        status="succeeded", finished_at=timezone.now(), updated_at=timezone.now()
    )


@pytest.mark.parametrize("url", ["/", "/accounts/", "/runs/", "batch"])
def test_a_second_user_with_the_same_permissions_gets_the_first_ones_answer(
    alice, olga, batch, url
):
    url = f"/batches/{batch.pk}/" if url == "batch" else url
    _finish(batch.runs.first())
    first, rendered = _poll(_signed_in(alice), url)
    second, shared = _poll(_signed_in(olga), url)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    # The second answer reads the session, the user, the versions and the permissions only.
    assert shared < rendered and shared <= 5
    # Nothing of the first user's own is in it: no header, no CSRF token.
    assert b'data-testid="username"' not in second.content
    assert re.search(rb'name="csrfmiddlewaretoken" value="[^"]+"', second.content) is None


def test_other_permissions_do_not_share_the_answer(alice, charlie, batch):
    _finish(batch.runs.first())
    operator, _ = _poll(_signed_in(alice), "/accounts/")
    auditor, _ = _poll(_signed_in(charlie), "/accounts/")
    assert b"Re-sync selected" in operator.content
    assert b"Re-sync selected" not in auditor.content


def test_the_retirement_queue_is_each_users_own(alice, olga, batch):
    account = batch.runs.first().account
    deletion_request(account=account, comment="project closed", actor=alice)
    requester, _ = _poll(_signed_in(alice), "/retirements/")
    approver, _ = _poll(_signed_in(olga), "/retirements/")
    # Four eyes: only the other operator is offered the approval.
    assert f'approve-form-{account.pk}"'.encode() not in requester.content
    assert f'approve-form-{account.pk}"'.encode() in approver.content


def test_a_poll_neither_shows_nor_uses_up_the_flash_messages(alice, batch):
    client = _signed_in(alice)
    account = batch.runs.first().account
    asked = client.post(reverse("project-account-resync-selected"), {"account": [account.pk]})
    assert asked.status_code == 302
    said = b"Re-sync of 1 account(s) requested."
    polled, _ = _poll(client, "/accounts/")
    assert polled.status_code == 200 and said not in polled.content
    assert said in client.get(asked["Location"]).content
