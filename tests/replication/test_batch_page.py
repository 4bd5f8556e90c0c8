"""From a batch's failures to their fix: every account's result and error, "retry failed", the
batch's runs filtered; a platform's re-sync confirmed with its count first."""

import pytest

from accounts.models import ProjectAccount
from accounts.services import project_account_create, project_create
from audit.models import AuditEvent
from replication.models import ReplicationBatch, ReplicationRun
from replication.services import resync_batch_create, resync_batch_retry_failed
from tests.helpers import api_for


@pytest.fixture
def accounts(acme, platform):
    made = []
    for number in range(4):
        project = project_create(customer=acme, identifier=f"p{number}", actor=None)
        made.append(project_account_create(project=project, platform=platform, actor=None))
    return made


@pytest.fixture
def batch(accounts, alice):
    """A batch of four: p0 and p2 failed, p1 succeeded, p3 still pending."""
    made = resync_batch_create(accounts=accounts, description="four accounts", actor=alice)
    runs = {run.account_id: run for run in made.runs.all()}
    for account in (accounts[0], accounts[2]):
        ReplicationRun.objects.filter(pk=runs[account.pk].pk).update(
            status="failed", error_step="alias", error_code="AccessDenied",
            error=f"not allowed to set the alias of {account.project.identifier}\nmore detail",
        )  # fmt: skip
    ReplicationRun.objects.filter(pk=runs[accounts[1].pk].pk).update(status="succeeded")
    return made


def test_the_batch_page_shows_every_account_with_its_result_and_error(client, charlie, batch):
    client.force_login(charlie)
    page = client.get(f"/batches/{batch.pk}/").text
    for run in batch.runs.all():
        assert f'data-testid="batch-account-{run.account_id}"' in page
        assert f'href="/accounts/{run.account_id}/?run={run.pk}"' in page
    failed = batch.runs.filter(status="failed").first()
    assert f'data-testid="batch-error-{failed.account_id}"' in page
    assert "AccessDenied" in page and "not allowed to set the alias of p0" in page
    assert page.index("not allowed to set the alias of p0") < page.index("succeeded")
    assert f'href="/runs/?batch={batch.pk}"' in page
    # Auditors read; they do not retry.
    assert 'data-testid="retry-failed"' not in page


def test_support_sees_retry_failed_with_the_count(client, bob, batch):
    client.force_login(bob)
    assert ">Retry the 2 failed</button>" in client.get(f"/batches/{batch.pk}/").text


def test_retry_failed_resyncs_exactly_the_failed_accounts_as_a_new_batch(
    client, bob, batch, accounts
):
    client.force_login(bob)
    response = client.post(f"/batches/{batch.pk}/retry-failed/")
    retry = ReplicationBatch.objects.exclude(pk=batch.pk).get()
    assert response["Location"] == f"/batches/{retry.pk}/"
    assert sorted(retry.runs.values_list("account_id", flat=True)) == sorted(
        [accounts[0].pk, accounts[2].pk]
    )
    assert retry.requested_by == bob and "four accounts" in retry.description
    event = AuditEvent.objects.filter(action="replication.request_batch").latest("id")
    assert event.after == {"accounts": 2, "batch": str(retry.pk), "retry_of": str(batch.pk)}
    assert AuditEvent.objects.filter(action="replication.request_batch").count() == 2
    assert not AuditEvent.objects.filter(action="replication.request").exists()


def test_retry_failed_with_nothing_failed_says_so(client, bob, accounts):
    quiet = resync_batch_create(accounts=accounts[:1], description="one", actor=None)
    client.force_login(bob)
    response = client.post(f"/batches/{quiet.pk}/retry-failed/", follow=True)
    assert "Not done: no account failed in the batch" in response.text
    assert ReplicationBatch.objects.count() == 1


def test_retry_failed_skips_accounts_no_longer_managed(batch, accounts, bob):
    ProjectAccount.objects.filter(pk=accounts[0].pk).update(lifecycle="detached")
    ProjectAccount.objects.filter(pk=accounts[0].pk).update(deleted_at=batch.created_at)
    retry = resync_batch_retry_failed(batch=batch, actor=bob)
    assert list(retry.runs.values_list("account_id", flat=True)) == [accounts[2].pk]


@pytest.mark.parametrize("persona", ["charlie", "dave"])
def test_only_those_who_may_resync_retry(client, request, persona, batch):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(f"/batches/{batch.pk}/retry-failed/").status_code == 403
    assert client.get(f"/batches/{batch.pk}/retry-failed/").status_code in (403, 405)
    assert ReplicationBatch.objects.count() == 1


def test_the_runs_list_and_api_filter_by_batch(client, charlie, batch, accounts):
    other = resync_batch_create(accounts=accounts[1:2], description="other", actor=None)
    assert not set(other.runs.all()) & set(batch.runs.filter(status="failed"))
    client.force_login(charlie)
    rows = client.get("/runs/", {"batch": str(batch.pk)}).context["page"].rows
    assert {run.pk for run in rows} == set(batch.runs.values_list("pk", flat=True))
    answer = api_for(charlie).get("/api/v1/runs/", {"batch": str(other.pk)}).json()
    assert [run["id"] for run in answer["results"]] == [str(other.runs.get().pk)]
    bad = client.get("/runs/", {"batch": "not-a-uuid"})
    assert bad.status_code == 400 and 'data-testid="error-batch"' in bad.text


def test_the_platform_page_links_to_the_confirmation(client, alice, accounts):
    client.force_login(alice)
    page = client.get("/platforms/eu/aws-prod/").text
    assert 'href="/platforms/eu/aws-prod/resync/" data-testid="resync-platform"' in page


def test_resync_of_a_platform_shows_the_count_first(client, alice, accounts):
    client.force_login(alice)
    page = client.get("/platforms/eu/aws-prod/resync/").text
    assert "<strong>4</strong> accounts" in page and 'name="confirmed" value="4"' in page
    assert not ReplicationBatch.objects.exists()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({}, "confirm the re-sync of all 4 account(s)"),
        ({"confirmed": "3"}, "4 account(s) now, not 3"),
    ],
)
def test_resync_of_a_platform_without_the_confirmed_count_is_refused(
    client, alice, accounts, data, words
):
    client.force_login(alice)
    response = client.post("/platforms/eu/aws-prod/resync/", data)
    assert response.status_code == 302 and response["Location"] == "/platforms/eu/aws-prod/resync/"
    assert not ReplicationBatch.objects.exists()
    assert words in client.get(response["Location"]).text


def test_resync_of_a_platform_with_the_count_makes_the_batch(client, alice, accounts):
    client.force_login(alice)
    response = client.post("/platforms/eu/aws-prod/resync/", {"confirmed": "4"})
    batch = ReplicationBatch.objects.get()
    assert response["Location"] == f"/batches/{batch.pk}/" and batch.runs.count() == 4


def test_a_platform_without_accounts_has_nothing_to_confirm(client, alice, platform):
    client.force_login(alice)
    page = client.get("/platforms/eu/aws-prod/resync/").text
    assert "has no account to re-sync" in page and 'name="confirmed"' not in page
    client.post("/platforms/eu/aws-prod/resync/", {"confirmed": "0"})
    assert not ReplicationBatch.objects.exists()


def test_the_confirmation_is_for_those_who_may_resync(client, charlie, accounts):
    client.force_login(charlie)
    assert client.get("/platforms/eu/aws-prod/resync/").status_code == 403
