"""Retiring accounts from the pages: the account page's lifecycle and forms, the Retirements
queue, per role; and the account page's note on an alias AWS keeps."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AccountRetirement, ProjectAccount
from accounts.services import (
    deletion_approve,
    deletion_decline,
    deletion_request,
    project_account_create,
    project_create,
    retirement_complete,
)
from platforms.models import PlatformInstance
from replication.models import ReplicationRun

Lifecycle = ProjectAccount.Lifecycle
PERSONAS = ("alice", "bob", "charlie", "dave")


@pytest.fixture
def account(account_in_aws):
    """acme.web on aws-prod.eu, created in AWS (its first run over)."""
    return account_in_aws


def _page(client, user, account) -> str:
    client.force_login(user)
    response = client.get(f"/accounts/{account.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _post(client, user, account, action, **data):
    client.force_login(user)
    return client.post(f"/accounts/{account.pk}/{action}", data, follow=True)


def _lifecycle(account) -> str:
    return ProjectAccount.objects.values_list("lifecycle", flat=True).get(pk=account.pk)


def _said(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


# Who may use which URL.

WRITES = ("retire/", "retirement/approve/", "retirement/decline/", "detach/", "release/")


@pytest.mark.parametrize("action", WRITES)
@pytest.mark.parametrize("persona", ["bob", "charlie", "dave"])
def test_only_operators_post_the_forms(client, request, account, olga, persona, action):
    deletion_request(account=account, comment="project closed", actor=olga)
    client.force_login(request.getfixturevalue(persona))
    response = client.post(f"/accounts/{account.pk}/{action}", {"comment": "why", "confirm": "yes"})
    assert response.status_code == 403
    assert _lifecycle(account) == Lifecycle.DELETION_REQUESTED


@pytest.mark.parametrize("action", WRITES)
def test_the_forms_are_posts_for_signed_in_users(client, alice, account, action):
    response = client.post(f"/accounts/{account.pk}/{action}", {"comment": "why"})
    assert response.status_code == 302 and "/login/?next=" in response["Location"]
    client.force_login(alice)
    assert client.get(f"/accounts/{account.pk}/{action}").status_code == 405
    assert client.post(f"/accounts/{account.pk + 1}/{action}", {"comment": "x"}).status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"), [("alice", 200), ("bob", 200), ("charlie", 200), ("dave", 403)]
)
def test_every_staff_role_sees_the_queue(client, request, persona, status):
    client.force_login(request.getfixturevalue(persona))
    response = client.get("/retirements/")
    assert response.status_code == status
    if status == 200:
        assert 'href="/retirements/"' in response.content.decode()  # in the navigation


# The account page, per role and lifecycle.


def test_an_operator_may_retire_or_detach_an_active_account(client, alice, account):
    page = _page(client, alice, account)
    assert 'data-testid="retire-form"' in page and 'data-testid="detach-form"' in page
    assert 'data-testid="lifecycle"' not in page  # no badge while active
    assert "lifecycle-history" not in page  # nothing happened yet


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_support_and_auditors_see_no_lifecycle_form(client, request, account, olga, persona):
    user = request.getfixturevalue(persona)
    page = _page(client, user, account)
    assert "retire-form" not in page and "detach-form" not in page
    deletion_request(account=account, comment="project closed", actor=olga)
    page = _page(client, user, account)
    assert "approve-form" not in page and "decline-form" not in page and "detach-form" not in page
    assert "Awaiting a second operator" in page and "project closed" in page


def test_a_request_from_the_page_waits_for_a_second_operator(client, alice, olga, account):
    response = _post(client, alice, account, "retire/", comment="project closed")
    assert "Retirement of acme.web on aws-prod.eu requested" in _said(response)
    assert _lifecycle(account) == Lifecycle.DELETION_REQUESTED
    page = response.content.decode()
    # The badge in words, never the value.
    assert ">deletion requested</span>" in page and "deletion_requested" not in page
    assert "approve-form" not in page and "retire-form" not in page
    assert "you requested this retirement" in page and "four eyes" in page
    page = _page(client, olga, account)
    assert 'data-testid="approve-form"' in page and 'data-testid="decline-form"' in page


def test_the_requester_approving_from_the_page_is_refused(client, alice, account):
    deletion_request(account=account, comment="project closed", actor=alice)
    response = _post(client, alice, account, "retirement/approve/", comment="mine")
    assert "Not done:" in _said(response) and "four eyes" in _said(response)
    assert _lifecycle(account) == Lifecycle.DELETION_REQUESTED


def test_a_second_operator_approves_from_the_page(client, alice, olga, account):
    deletion_request(account=account, comment="project closed", actor=alice)
    response = _post(client, olga, account, "retirement/approve/", comment="checked")
    assert "approved" in _said(response) and _lifecycle(account) == Lifecycle.RETIRING
    page = response.content.decode()
    assert ">retiring</span>" in page and 'data-testid="retiring"' in page
    assert "detach-form" not in page and "approve-form" not in page
    assert account.runs.filter(trigger=ReplicationRun.Trigger.DELETION_APPROVED).exists()
    # The history: each transition with its actor and comment.
    history = page.split('data-testid="lifecycle-history"')[1].split("</table>")[0]
    assert history.index("retirement requested") < history.index("retirement approved")
    for text in ("alice", "project closed", "olga", "checked"):
        assert text in history


def test_a_decline_from_the_page_restores_the_account(client, alice, olga, account):
    deletion_request(account=account, comment="project closed", actor=alice)
    response = _post(client, olga, account, "retirement/decline/", comment="still used")
    assert "declined" in _said(response) and _lifecycle(account) == Lifecycle.ACTIVE
    assert "retirement declined" in response.content.decode()


@pytest.mark.parametrize(("comment", "problem"), [("", "required"), ("x" * 256, "at most 255")])
def test_a_bad_comment_is_refused_naming_the_comment(client, alice, account, comment, problem):
    response = _post(client, alice, account, "retire/", comment=comment)
    assert "Not done: the comment" in _said(response) and problem in _said(response)
    assert _lifecycle(account) == Lifecycle.ACTIVE and not AccountRetirement.objects.exists()


def test_detach_asks_for_a_confirmation(client, alice, account):
    response = _post(client, alice, account, "detach/", comment="handed over")
    assert "confirm" in _said(response) and _lifecycle(account) == Lifecycle.ACTIVE
    response = _post(client, alice, account, "detach/", comment="handed over", confirm="yes")
    assert "no AWS call" in _said(response) and _lifecycle(account) == Lifecycle.DETACHED
    assert account.runs.count() == 1
    page = response.content.decode()
    assert ">detached " in page and 'data-testid="detached"' in page
    assert 'data-testid="released"' in page and "release-form" not in page
    assert 'data-testid="resync"' not in page and "detach-form" not in page
    assert "This account is detached" in page


def test_a_deleted_account_offers_the_release_to_operators_only(client, alice, bob, olga, account):
    deletion_request(account=account, comment="project closed", actor=alice)
    deletion_approve(account=account, comment="ok", actor=olga)
    retirement_complete(account=account)
    page = _page(client, bob, account)
    assert ">deleted " in page and "release-form" not in page and 'data-testid="resync"' not in page
    page = _page(client, alice, account)
    assert "Release AWS account id 111122223333" in page
    assert 'data-testid="resync"' not in page and "retire-form" not in page
    response = _post(client, alice, account, "release/", comment="id for the new team")
    assert "released" in _said(response)
    assert 'data-testid="released"' in response.content.decode()
    assert ProjectAccount.objects.get(pk=account.pk).released_at is not None


def test_release_of_an_active_account_is_refused(client, alice, account):
    response = _post(client, alice, account, "release/", comment="free it")
    assert "Not done:" in _said(response) and "only a deleted" in _said(response)


# An alias AWS keeps (adopted accounts, enforceAccountAlias off), as the alias step read it.

KEPT = {"alias": {"actual": "legacy-web", "wanted": "meshcloud-acme-web"}}
NOTE = '<tr data-testid="difference-alias"><th scope="row">alias</th><td><code>legacy-web</code></td><td><code>meshcloud-acme-web</code></td></tr>'


@pytest.fixture
def lenient(platform, account):
    PlatformInstance.objects.filter(pk=platform.pk).update(enforce_account_alias=False)
    assert account.alias == "meshcloud-acme-web"
    return account


def test_the_page_shows_the_alias_aws_keeps_beside_the_wanted_one(client, charlie, lenient):
    ProjectAccount.objects.filter(pk=lenient.pk).update(actual=KEPT)
    assert NOTE in _page(client, charlie, lenient)


def test_no_difference_when_aws_has_the_wanted_alias(client, charlie, lenient):
    same = {"alias": {"actual": "meshcloud-acme-web", "wanted": "meshcloud-acme-web"}}
    ProjectAccount.objects.filter(pk=lenient.pk).update(actual=same)
    assert 'data-testid="differences"' not in _page(client, charlie, lenient)


def test_no_difference_shown_once_the_account_is_being_retired(client, alice, charlie, lenient):
    ProjectAccount.objects.filter(pk=lenient.pk).update(actual=KEPT)
    deletion_request(account=lenient, comment="project closed", actor=alice)
    assert 'data-testid="differences"' not in _page(client, charlie, lenient)


# Queries: the lifecycle adds at most two reads to the account page (test_account_page's pin):
# its history once it has one, and the pending request. What AWS keeps is read with the
# account itself (its `actual`), never from the steps.


@pytest.mark.parametrize("stage", ["active", "requested", "declined", "retiring"])
def test_the_account_page_stays_within_its_query_pin(
    client, alice, olga, charlie, lenient, django_assert_max_num_queries, stage
):
    ProjectAccount.objects.filter(pk=lenient.pk).update(actual=KEPT)
    ReplicationRun.objects.create(
        account=lenient, trigger="resync", created_at=timezone.now() + timedelta(seconds=1)
    )
    if stage != "active":
        deletion_request(account=lenient, comment="project closed", actor=alice)
    if stage == "retiring":
        deletion_approve(account=lenient, comment="ok", actor=olga)
    if stage == "declined":
        deletion_decline(account=lenient, comment="no", actor=olga)
    client.force_login(charlie)
    with django_assert_max_num_queries(14):
        assert client.get(f"/accounts/{lenient.pk}/").status_code == 200


# The Retirements queue.


@pytest.fixture
def queue(account, alice, olga, platform, acme):
    """Three accounts: acme.web's retirement requested by alice, acme.shop's by olga and
    approved by alice (retiring), acme.old's retired."""
    accounts = {"web": account}
    for name in ("shop", "old"):
        project = project_create(customer=acme, identifier=name, actor=None)
        accounts[name] = project_account_create(project=project, platform=platform, actor=None)
        accounts[name].runs.update(status=ReplicationRun.Status.SUCCEEDED)
    deletion_request(account=account, comment="web closed", actor=alice)
    for name in ("shop", "old"):
        deletion_request(account=accounts[name], comment=f"{name} closed", actor=olga)
        deletion_approve(account=accounts[name], comment="ok", actor=alice)
    retirement_complete(account=accounts["old"])
    return accounts


def _queue(client, user, query=""):
    client.force_login(user)
    response = client.get(f"/retirements/{query}")
    return response, response.content.decode()


def test_the_queue_has_a_tab_per_stage(client, charlie, queue):
    _, page = _queue(client, charlie)
    for text in ("Requires approval (1)", "In progress (1)", "Retired (1)"):
        assert text in page
    assert f'data-testid="retirement-{queue["web"].pk}"' in page and "web closed" in page
    assert f'retirement-{queue["shop"].pk}"' not in page
    _, page = _queue(client, charlie, "?tab=in_progress")
    run = queue["shop"].runs.get(trigger=ReplicationRun.Trigger.DELETION_APPROVED)
    assert f'href="/accounts/{queue["shop"].pk}/?run={run.pk}"' in page and "shop closed" in page
    assert f'retirement-{queue["web"].pk}"' not in page
    _, page = _queue(client, charlie, "?tab=retired")
    assert (
        f'retirement-{queue["old"].pk}"' in page and f'retirement-{queue["shop"].pk}"' not in page
    )


def test_the_queue_offers_approval_to_other_operators_only(
    client, alice, bob, charlie, olga, queue
):
    web = queue["web"].pk
    _, page = _queue(client, olga)
    assert f'data-testid="approve-{web}"' in page and f'data-testid="decline-{web}"' in page
    _, page = _queue(client, alice)  # alice asked
    assert f"approve-{web}" not in page and f'data-testid="own-request-{web}"' in page
    for user in (bob, charlie):
        _, page = _queue(client, user)
        assert f"approve-form-{web}" not in page and f"decline-form-{web}" not in page


def test_approving_from_the_queue_comes_back_to_it(client, olga, queue):
    client.force_login(olga)
    response = client.post(
        f"/accounts/{queue['web'].pk}/retirement/approve/",
        {"comment": "checked", "next": "/retirements/?tab=approval"},
    )
    assert response.status_code == 302 and response["Location"] == "/retirements/?tab=approval"
    assert _lifecycle(queue["web"]) == Lifecycle.RETIRING
    # Elsewhere than the queue: back to the account page.
    response = client.post(
        f"/accounts/{queue['web'].pk}/retirement/decline/",
        {"comment": "x", "next": "https://evil.example/retirements/"},
    )
    assert response["Location"] == f"/accounts/{queue['web'].pk}/"


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("?tab=in_progress&project=acme.shop", True),
        ("?tab=in_progress&project=acme.web", False),
        ("?tab=in_progress&platform=aws-prod.eu", True),
        ("?tab=in_progress&requested_by=olga", True),
        ("?tab=in_progress&requested_by=alice", False),
    ],
)
def test_the_queue_filters(client, charlie, queue, query, shown):
    response, page = _queue(client, charlie, query)
    assert response.status_code == 200
    assert (f'retirement-{queue["shop"].pk}"' in page) is shown


@pytest.mark.parametrize(
    ("query", "field"), [("?project=web", "project"), ("?platform=x.y", "platform")]
)
def test_a_bad_filter_is_a_400_naming_it(client, charlie, queue, query, field):
    response, page = _queue(client, charlie, query)
    assert response.status_code == 400 and f'data-testid="error-{field}"' in page


def test_an_unknown_tab_is_a_404(client, charlie):
    assert _queue(client, charlie, "?tab=everything")[0].status_code == 404


def test_the_queue_reads_any_number_of_rows_in_the_same_queries(
    client, olga, queue, acme, platform, alice
):
    client.force_login(olga)

    def queries() -> int:
        with CaptureQueriesContext(connection) as done:
            assert client.get("/retirements/").status_code == 200
        return len(done)

    few = queries()
    for number in range(6):
        project = project_create(customer=acme, identifier=f"p{number}", actor=None)
        other = project_account_create(project=project, platform=platform, actor=None)
        deletion_request(account=other, comment="closed", actor=alice)
    assert queries() == few <= 9
