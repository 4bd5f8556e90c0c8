"""The accounts list (filters, totals, last run) and re-syncs of many accounts."""

import html

import pytest

from accounts.models import ProjectAccount
from accounts.services import project_account_create, project_create
from audit.models import AuditEvent
from replication.models import ReplicationBatch, ReplicationRun


@pytest.fixture
def accounts(acme, platform):
    made = []
    for number in range(3):
        project = project_create(customer=acme, identifier=f"p{number}", actor=None)
        made.append(project_account_create(project=project, platform=platform, actor=None))
    ProjectAccount.objects.filter(pk=made[0].pk).update(status="ready")
    ProjectAccount.objects.filter(pk=made[1].pk).update(status="failed")
    return made


def test_it_lists_accounts_with_totals_that_follow_the_filters(client, charlie, accounts):
    client.force_login(charlie)
    response = client.get("/accounts/")
    assert response.context["totals"] == {
        "queued": 1,
        "running": 0,
        "waiting_for_aws": 0,
        "retrying": 0,
        "failed": 1,
        "ready": 1,
        "ready_with_warnings": 0,
    }
    filtered = client.get("/accounts/", {"status": "failed"})
    assert filtered.context["totals"]["failed"] == 1 and filtered.context["totals"]["ready"] == 0
    assert [a.pk for a in filtered.context["page"].object_list] == [accounts[1].pk]
    assert (
        client.get("/accounts/", {"project": "acme.p2", "platform": "aws-prod.eu"})
        .context["page"]
        .paginator.count
        == 1
    )
    assert client.get("/accounts/", {"q": "acme.p0"}).context["page"].paginator.count == 1
    assert client.get("/accounts/", {"project": "acme.p9"}).context["page"].paginator.count == 0


@pytest.mark.parametrize(
    ("query", "parameter", "words"),
    [
        ({"project": "p2"}, "project", "write it as customer.project"),
        ({"platform": "nope.eu"}, "platform", "no platform 'nope.eu'"),
        ({"status": "nonsense"}, "status", "nonsense"),
    ],
)
def test_it_answers_a_bad_filter_with_400_naming_it(
    client, charlie, accounts, query, parameter, words
):
    client.force_login(charlie)
    response = client.get("/accounts/", query)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert f'data-testid="error-{parameter}">{parameter}: ' in page and words in page
    assert 'data-testid="account-row"' not in page


def test_it_shows_the_last_run(client, charlie, accounts):
    ReplicationRun.objects.filter(account=accounts[1]).update(status="failed")
    client.force_login(charlie)
    row = next(
        a for a in client.get("/accounts/").context["page"].object_list if a.pk == accounts[1].pk
    )
    assert row.last_run_status == "failed" and row.last_run_created


@pytest.mark.parametrize("rows", [5, 500])
def test_the_accounts_list_uses_a_constant_number_of_queries(
    client, charlie, acme, platform, rows, django_assert_max_num_queries
):
    from accounts.models import Project

    projects = Project.objects.bulk_create(
        Project(customer=acme, identifier=f"bulk{n}", display_name="x") for n in range(rows)
    )
    zone = platform.landing_zones.first()
    ProjectAccount.objects.bulk_create(
        ProjectAccount(project=p, platform=platform, landing_zone=zone, email=f"a{n}@x.io", name=f"n{n}", tenant_platform_number=n + 1)
        for n, p in enumerate(projects)
    )  # fmt: skip
    client.force_login(charlie)
    with django_assert_max_num_queries(12):
        assert client.get("/accounts/").status_code == 200


def test_support_resyncs_selected_accounts_as_a_batch(client, bob, accounts):
    ReplicationRun.objects.update(status="succeeded")
    client.force_login(bob)
    response = client.post("/accounts/resync/", {"account": [accounts[0].pk, accounts[2].pk]})
    batch = ReplicationBatch.objects.get()
    assert response["Location"] == f"/batches/{batch.pk}/"
    assert batch.runs.count() == 2 and batch.requested_by == bob
    assert AuditEvent.objects.filter(action="replication.request_batch").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert (
        'data-testid="batch-remaining">remaining 2<' in page and 'id="batch-live" data-live' in page
    )
    batch.runs.update(status="succeeded")
    partial = client.get(f"/batches/{batch.pk}/progress/").content.decode()
    assert "done 2" in partial and "hx-trigger" not in partial and "finished" in partial


def test_an_operator_resyncs_every_account_of_a_platform(client, alice, accounts):
    client.force_login(alice)
    response = client.post("/platforms/eu/aws-prod/resync/", {"confirmed": "3"})
    batch = ReplicationBatch.objects.get()
    assert response["Location"] == f"/batches/{batch.pk}/" and batch.runs.count() == 3
    # The accounts' first runs were still pending: the batch joined them.
    assert ReplicationRun.objects.count() == 3


@pytest.mark.parametrize(("persona", "status"), [("charlie", 403), ("dave", 403)])
def test_auditors_and_others_may_not_resync(client, request, persona, status, accounts):
    client.force_login(request.getfixturevalue(persona))
    assert client.post("/accounts/resync/", {"account": [accounts[0].pk]}).status_code == status
    assert client.post("/platforms/eu/aws-prod/resync/").status_code == status
    assert not ReplicationBatch.objects.exists()


def test_the_buttons_show_only_to_those_allowed(client, bob, charlie, accounts):
    client.force_login(charlie)
    assert 'data-testid="resync-selected"' not in client.get("/accounts/").content.decode()
    assert (
        'data-testid="resync-platform"'
        not in client.get("/platforms/eu/aws-prod/").content.decode()
    )
    client.force_login(bob)
    assert 'data-testid="resync-selected"' in client.get("/accounts/").content.decode()
    assert 'data-testid="resync-platform"' in client.get("/platforms/eu/aws-prod/").content.decode()


def test_a_resync_needs_a_selection(client, bob, accounts):
    client.force_login(bob)
    response = client.post("/accounts/resync/", {})
    assert response.status_code == 302 and not ReplicationBatch.objects.exists()
    assert client.get("/accounts/resync/").status_code == 405
