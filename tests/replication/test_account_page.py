"""The project-account page: facts, mapped roles, the live run, the run history, re-sync."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services import project_account_create
from audit.models import AuditEvent
from platforms.models import RoleMapping
from replication.models import ReplicationRun, ReplicationStep
from replication.steps import STEP_NAMES

PERSONAS = ("alice", "bob", "charlie", "dave")
SECRET_DETAIL = "compared tags: cost-center 41 -> 42"
REQUEST_ID = "req-0f3a9c"


@pytest.fixture
def account(web, platform):
    """acme.web on aws-prod.eu, with its first run pending (no worker runs it here)."""
    return project_account_create(project=web, platform=platform, actor=None)


@pytest.fixture
def first_run(account):
    return account.runs.get()


def _step(run, position, name, status="ok", attempt=1, **fields):
    started = run.created_at + timedelta(seconds=position)
    return ReplicationStep(
        run=run, attempt=attempt, position=position, name=name, status=status,
        started_at=started, finished_at=started + timedelta(milliseconds=250), **fields,
    )  # fmt: skip


def _finish(run, status="succeeded", **fields):
    ReplicationRun.objects.filter(pk=run.pk).update(
        status=status, attempt=max(run.attempt, 1), started_at=run.created_at,
        finished_at=run.created_at + timedelta(seconds=30), **fields,
    )  # fmt: skip
    run.refresh_from_db()
    return run


def _add_runs(account, count, steps_each=3, requested_by=None):
    """`count` ended runs, older than the account's first, each with a few steps (bulk)."""
    now = timezone.now()
    runs = ReplicationRun.objects.bulk_create(
        ReplicationRun(
            account=account, trigger="resync", attempt=1, requested_by=requested_by,
            status="failed" if number % 5 == 0 else "succeeded",
            error="AccessDenied on CreateAccount" if number % 5 == 0 else "",
            created_at=now - timedelta(hours=number + 1),
            started_at=now - timedelta(hours=number + 1),
            finished_at=now - timedelta(hours=number + 1) + timedelta(seconds=12),
        )
        for number in range(count)
    )  # fmt: skip
    ReplicationStep.objects.bulk_create(
        _step(run, position, f"step-{position}", aws_calls=[{"service": "organizations"}])
        for run in runs
        for position in range(1, steps_each + 1)
    )
    return runs


def _page(client, user, account, suffix=""):
    client.force_login(user)
    return client.get(f"/accounts/{account.pk}/{suffix}")


# Permissions of every new URL for every role.

EXPECTED = {
    ("get", ""): {"alice": 200, "bob": 200, "charlie": 200, "dave": 403},
    ("get", "live/"): {"alice": 200, "bob": 200, "charlie": 200, "dave": 403},
    ("post", "resync/"): {"alice": 302, "bob": 302, "charlie": 403, "dave": 403},
}


@pytest.mark.parametrize(("method", "suffix"), list(EXPECTED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_each_role_use_the_urls_it_may(client, request, account, method, suffix, persona):
    client.force_login(request.getfixturevalue(persona))
    response = getattr(client, method)(f"/accounts/{account.pk}/{suffix}")
    assert response.status_code == EXPECTED[method, suffix][persona]


@pytest.mark.parametrize(("method", "suffix"), list(EXPECTED))
def test_it_sends_anonymous_visitors_to_sign_in(client, account, method, suffix):
    response = getattr(client, method)(f"/accounts/{account.pk}/{suffix}")
    assert response.status_code == 302 and "/login/?next=" in response["Location"]


def test_it_answers_405_to_a_get_on_the_resync_url(client, alice, account):
    assert _page(client, alice, account, "resync/").status_code == 405


@pytest.mark.parametrize("suffix", ["", "live/"])
def test_it_answers_404_for_an_unknown_account(client, alice, account, suffix):
    client.force_login(alice)
    assert client.get(f"/accounts/{account.pk + 1}/{suffix}").status_code == 404


def test_it_answers_404_for_a_resync_of_an_unknown_account(client, alice, account):
    client.force_login(alice)
    assert client.post(f"/accounts/{account.pk + 1}/resync/").status_code == 404


# What the page shows.


def test_it_shows_the_account_facts(client, charlie, account):
    account.aws_account_id, account.alias = "123456789012", "acme-web"
    account.save()
    page = _page(client, charlie, account).content.decode()
    for text in (
        "123456789012", account.email, "acme-web", account.name, "ou-ab12-cdef3456",
        'href="/platforms/eu/aws-prod/"', 'href="/projects/acme/web/"',
        'data-testid="status">queued<',
    ):  # fmt: skip
        assert text in page, text


def test_it_shows_the_platforms_role_mappings(client, charlie, account):
    page = _page(client, charlie, account).content.decode()
    for text in ("meshProjectAdminRole", "meshProjectUserRole", "PowerUserAccess"):
        assert text in page


def test_it_shows_the_landing_zones_own_mappings_when_they_replace_the_platforms(
    client, charlie, account
):
    zone = account.landing_zone
    zone.replaces_role_mappings = True
    zone.save()
    RoleMapping.objects.create(landing_zone=zone, project_role="admin", role_name="ZoneAdmin")
    page = _page(client, charlie, account).content.decode()
    assert "ZoneAdmin" in page and "meshProjectAdminRole" not in page


def test_it_links_to_the_audit_log_of_the_project_and_the_platform(client, charlie, account):
    page = _page(client, charlie, account).content.decode()
    assert f"/audit/?object_type=project&amp;object_id={account.project.pk}" in page
    assert f"/audit/?object_type=platform&amp;object_id={account.platform.pk}" in page


@pytest.mark.parametrize("persona", ["alice", "bob"])
def test_it_shows_the_resync_button_to_who_may_resync(client, request, account, persona):
    page = _page(client, request.getfixturevalue(persona), account).content.decode()
    assert f'action="/accounts/{account.pk}/resync/"' in page
    assert "csrfmiddlewaretoken" in page


def test_it_shows_no_resync_button_to_auditors(client, charlie, account):
    page = _page(client, charlie, account).content.decode()
    assert "/resync/" not in page and 'data-testid="resync"' not in page


def _run_with_detail(run):
    _finish(run)
    ReplicationStep.objects.bulk_create([
        _step(run, 1, "validate"),
        _step(run, 2, "tags", status="changed", remark="2 tags set", detail=SECRET_DETAIL,
              aws_calls=[{"service": "organizations", "operation": "TagResource",
                          "request_id": REQUEST_ID, "duration_ms": 41, "error_code": ""}]),
    ])  # fmt: skip


@pytest.mark.parametrize("persona", ["alice", "charlie"])
def test_it_shows_step_detail_and_aws_calls_to_operators_and_auditors(
    client, request, account, first_run, persona
):
    _run_with_detail(first_run)
    page = _page(client, request.getfixturevalue(persona), account).content.decode()
    assert SECRET_DETAIL.replace(">", "&gt;") in page and REQUEST_ID in page
    assert "TagResource" in page and "<details" in page


def test_it_hides_step_detail_and_aws_calls_from_support(client, bob, account, first_run):
    _run_with_detail(first_run)
    page = _page(client, bob, account).content.decode()
    assert "2 tags set" in page
    assert "cost-center" not in page and REQUEST_ID not in page and "TagResource" not in page


# The live partial.


@pytest.mark.parametrize("status", ["pending", "running", "waiting"])
def test_it_polls_while_the_run_is_active(client, bob, account, first_run, status):
    ReplicationRun.objects.filter(pk=first_run.pk).update(status=status)
    live = _page(client, bob, account, "live/").content.decode()
    assert f'hx-get="/accounts/{account.pk}/live/"' in live
    assert 'hx-trigger="every 2s"' in live and 'hx-swap="outerHTML"' in live


@pytest.mark.parametrize("status", ["succeeded", "failed"])
def test_it_stops_polling_when_the_run_has_ended(client, bob, account, first_run, status):
    _finish(first_run, status)
    live = _page(client, bob, account, "live/").content.decode()
    assert f'data-run-status="{status}"' in live
    assert "hx-get" not in live and "hx-trigger" not in live


def test_it_polls_from_the_account_page_for_the_run_and_its_history_row(client, bob, account):
    page = _page(client, bob, account).content.decode()
    assert f'hx-get="/accounts/{account.pk}/live/?history_row=1"' in page


def test_it_keeps_polling_the_run_the_page_is_pinned_to(client, bob, account, first_run):
    page = _page(client, bob, account, f"?run={first_run.pk}").content.decode()
    assert f'hx-get="/accounts/{account.pk}/live/?run={first_run.pk}&amp;history_row=1"' in page


def test_it_refreshes_the_runs_row_in_the_history(client, bob, account, first_run):
    ReplicationRun.objects.filter(pk=first_run.pk).update(status="running", attempt=3)
    live = _page(client, bob, account, "live/?history_row=1").content.decode()
    assert f'<span id="history-{first_run.pk}-status" hx-swap-oob="true">' in live
    assert f'<span id="history-{first_run.pk}-attempts" hx-swap-oob="true">3</span>' in live


def test_it_leaves_the_history_alone_when_the_page_does_not_list_the_run(client, bob, account):
    live = _page(client, bob, account, "live/").content.decode()
    assert 'id="history-' not in live


def test_it_renders_the_live_partial_alone(client, bob, account):
    live = _page(client, bob, account, "live/").content.decode()
    assert live.lstrip().startswith("<section") and "<html" not in live


def test_it_counts_the_steps_done_in_the_latest_attempt(client, bob, account, first_run):
    ReplicationRun.objects.filter(pk=first_run.pk).update(status="running", attempt=2)
    first_run.refresh_from_db()
    ReplicationStep.objects.bulk_create([
        *(_step(first_run, n, f"s{n}", attempt=1) for n in range(1, 6)),
        _step(first_run, 1, "validate", attempt=2),
        _step(first_run, 2, "connect", status="changed", attempt=2),
        _step(first_run, 3, "account", status="waiting", attempt=2),
    ])  # fmt: skip
    live = _page(client, bob, account, "live/").content.decode()
    assert f'<progress value="2" max="{len(STEP_NAMES)}"' in live
    assert f"2 / {len(STEP_NAMES)} steps done" in live


def test_it_lists_earlier_attempts_compactly(client, bob, account, first_run):
    ReplicationRun.objects.filter(pk=first_run.pk).update(status="running", attempt=2)
    ReplicationStep.objects.bulk_create([
        _step(first_run, 1, "validate", attempt=1),
        _step(first_run, 2, "connect", status="failed", attempt=1, remark="Throttling (transient)"),
        _step(first_run, 1, "validate", attempt=2),
    ])  # fmt: skip
    live = _page(client, bob, account, "live/").content.decode()
    assert "1 earlier attempt" in live and "attempt 1: 2 steps" in live
    assert "Throttling (transient)" in live


def test_it_shows_why_a_run_failed(client, bob, account, first_run):
    _finish(
        first_run, "failed", error="CreateAccount failed with AccessDenied: no",
        error_step="account", error_operation="CreateAccount", error_code="AccessDenied",
    )  # fmt: skip
    live = _page(client, bob, account, "live/").content.decode()
    assert 'data-testid="run-error"' in live and "AccessDenied" in live


def test_it_swaps_the_account_status_on_the_page(client, bob, account):
    account.status = "ready"
    account.save()
    live = _page(client, bob, account, "live/").content.decode()
    assert '<span id="account-status" hx-swap-oob="true">' in live
    assert 'data-testid="status">ready<' in live


def test_it_does_not_repeat_the_status_badge_on_the_page(client, bob, account):
    page = _page(client, bob, account).content.decode()
    assert page.count('id="account-status"') == 1 and "hx-swap-oob" not in page


def test_it_shows_the_run_the_history_links_to(client, bob, account, first_run):
    _finish(first_run)
    older = _add_runs(account, 2)[1]
    live = _page(client, bob, account, f"live/?run={older.pk}").content.decode()
    assert f'data-run-id="{older.pk}"' in live


@pytest.mark.parametrize("run", ["not-a-uuid", str(uuid.UUID(int=7))])
def test_it_answers_404_for_a_run_it_does_not_have(client, bob, account, run):
    assert _page(client, bob, account, f"?run={run}").status_code == 404


def test_it_shows_an_account_without_runs(client, bob, account, first_run):
    ReplicationRun.objects.filter(pk=first_run.pk).delete()
    live = _page(client, bob, account, "live/").content.decode()
    assert "No replication run yet" in live and "hx-get" not in live


# The run history.


def test_it_lists_the_run_history_newest_first_20_per_page(client, charlie, account, first_run):
    _finish(first_run)
    older = _add_runs(account, 25)
    first = _page(client, charlie, account).context["runs_page"]
    assert [run.pk for run in first.object_list] == [first_run.pk] + [r.pk for r in older[:19]]
    second = client.get(f"/accounts/{account.pk}/?runs_page=2").context["runs_page"]
    assert [run.pk for run in second.object_list] == [r.pk for r in older[19:]]


def test_it_shows_each_runs_columns_in_the_history(client, charlie, account, first_run):
    _finish(first_run)
    _add_runs(account, 1)
    page = _page(client, charlie, account).content.decode()
    history = page[page.index('data-testid="run-history"') :]
    for text in ("re-sync requested", "system", "30.0 s", "AccessDenied on CreateAccount",
                 f"?run={first_run.pk}"):  # fmt: skip
        assert text in history, text


def test_it_keeps_a_bad_runs_page_number_harmless(client, charlie, account):
    assert _page(client, charlie, account, "?runs_page=x").status_code == 200


# Re-sync.


def test_it_joins_the_run_in_progress(client, bob, account, first_run):
    client.force_login(bob)
    response = client.post(f"/accounts/{account.pk}/resync/", follow=True)
    assert ReplicationRun.objects.filter(account=account).count() == 1
    assert "joined the run in progress" in response.content.decode()
    assert not AuditEvent.objects.filter(action="replication.request").exists()


def test_it_queues_a_new_run_when_none_is_active(client, bob, account, first_run):
    _finish(first_run)
    client.force_login(bob)
    response = client.post(f"/accounts/{account.pk}/resync/", follow=True)
    new = ReplicationRun.objects.filter(account=account).exclude(pk=first_run.pk).get()
    assert (new.status, new.trigger, new.requested_by) == ("pending", "resync", bob)
    assert response.redirect_chain == [(f"/accounts/{account.pk}/", 302)]
    page = response.content.decode()
    assert f"run {str(new.pk)[:8]} queued" in page and f'data-run-id="{new.pk}"' in page


def test_it_audits_the_resync_request(client, bob, account, first_run):
    _finish(first_run)
    client.force_login(bob)
    client.post(f"/accounts/{account.pk}/resync/")
    event = AuditEvent.objects.get(action="replication.request")
    assert (event.actor, event.object_type, event.object_id) == (
        bob,
        "project_account",
        str(account.pk),
    )


def test_it_refuses_to_resync_a_deleted_account(client, bob, account, first_run):
    _finish(first_run)
    account.deleted_at = timezone.now()
    account.save()
    client.force_login(bob)
    client.post(f"/accounts/{account.pk}/resync/")
    assert ReplicationRun.objects.filter(account=account).count() == 1


# Queries: constant whatever the number of runs and steps.


# 12 and 8 today (session, user, permissions, staff role, account, run, steps, history); the
# margin is for the base layout, never for rows: 5 and 500 runs share the bound. An account
# once asked to retire reads its lifecycle history too, and its pending request or the alias AWS
# keeps: within the 14 (test_retirement_pages).
MAX_QUERIES = {"": 14, "?runs_page=3": 14, "live/": 10}


@pytest.mark.parametrize("count", [5, 500])
@pytest.mark.parametrize("suffix", list(MAX_QUERIES))
def test_it_uses_a_constant_number_of_queries(
    client, charlie, account, first_run, django_assert_max_num_queries, count, suffix
):
    ReplicationRun.objects.filter(pk=first_run.pk).update(status="running", attempt=1)
    ReplicationStep.objects.bulk_create(
        _step(first_run, n, f"s{n}", aws_calls=[{"service": "iam"}]) for n in range(1, 13)
    )
    _add_runs(account, count, requested_by=charlie)
    client.force_login(charlie)
    with django_assert_max_num_queries(MAX_QUERIES[suffix]):
        response = client.get(f"/accounts/{account.pk}/{suffix}")
    assert response.status_code == 200
    assert len(response.context["latest"].steps) == 12


def test_it_links_each_role_to_the_console_sign_in(client, charlie, web, platform):
    from accounts.services import project_account_create
    from platforms.models import PlatformInstance

    PlatformInstance.objects.filter(pk=platform.pk).update(
        console_sign_in_url_template="https://idp.example.com/aws?account={account_id}&role={role_name}"
    )
    account = project_account_create(project=web, platform=platform, actor=None)
    account.aws_account_id = "111122223333"
    account.save()
    client.force_login(charlie)
    page = client.get(f"/accounts/{account.pk}/").content.decode()
    assert 'data-testid="sign-in-meshProjectAdminRole"' in page
    assert "https://idp.example.com/aws?account=111122223333&amp;role=meshProjectAdminRole" in page
