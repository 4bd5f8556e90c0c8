"""Runs record the change that caused them (its audit event), shown on the pages and the API."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from accounts import permissions as account_permissions
from accounts.services import binding_create, binding_delete, project_account_create, project_update
from audit.models import AuditEvent
from replication.models import ReplicationRun
from tests.helpers import api_for, change_platform, retire, role


@pytest.fixture
def account(web, platform):
    """acme.web on aws-prod.eu, its first run over (so that a change asks for a new one)."""
    found = project_account_create(project=web, platform=platform, actor=None)
    ReplicationRun.objects.filter(account=found).update(status="succeeded")
    return found


def _new_run(account) -> ReplicationRun:
    return account.runs.get(status__in=ReplicationRun.ACTIVE)


def _event(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("pk")


def test_the_first_run_is_caused_by_the_account_creation(web, platform):
    account = project_account_create(project=web, platform=platform, actor=None)

    assert account.runs.get().cause == _event("project_account.create")


def test_a_platform_change_causes_the_runs_it_asks_for(account, platform):
    change_platform(platform, tagPrefix="acme_")

    assert _new_run(account).cause == _event("platform.update")


def test_a_project_change_causes_the_runs_it_asks_for(account, web):
    project_update(project=web, tags={"cost-center": "43"}, actor=None)

    assert _new_run(account).cause == _event("project.update")


def test_a_binding_change_causes_the_runs_it_asks_for(account, web):
    binding = binding_create(project=web, user="dev@example.com", role=role("admin"), actor=None)
    assert _new_run(account).cause == _event("binding.create")

    ReplicationRun.objects.filter(account=account).update(status="succeeded")
    binding_delete(binding=binding, actor=None)
    assert _new_run(account).cause == _event("binding.delete")


def test_a_retirement_approval_causes_the_retirement_run(account, alice, olga):
    run = retire(account, alice, olga)

    assert run.purpose == "retire"
    assert run.cause == _event("project_account.deletion_approve")


def test_a_joined_run_keeps_its_own_cause(account, web):
    binding_create(project=web, user="dev@example.com", role=role("admin"), actor=None)
    project_update(project=web, tags={"cost-center": "43"}, actor=None)

    assert _new_run(account).cause == _event("binding.create")


def test_the_account_page_links_the_run_to_its_cause(client, alice, account, platform):
    change_platform(platform, tagPrefix="acme_")
    event = _event("platform.update")
    client.force_login(alice)

    html = client.get(f"/accounts/{account.pk}/").content.decode()

    assert f'href="/audit/{event.pk}/" data-testid="run-cause">platform.update by system' in html


def test_the_runs_list_links_each_run_to_its_cause(client, charlie, account, platform):
    change_platform(platform, tagPrefix="acme_")
    event = _event("platform.update")
    client.force_login(charlie)

    html = client.get("/runs/").content.decode()

    assert f'href="/audit/{event.pk}/" data-testid="run-cause">change #{event.pk}' in html


def test_only_who_may_read_the_audit_log_sees_the_cause(client, alice, account, platform):
    change_platform(platform, tagPrefix="acme_")
    reader = get_user_model().objects.create_user(username="reader")
    app, codename = account_permissions.VIEW_PROJECT_ACCOUNTS.split(".")
    reader.user_permissions.add(
        Permission.objects.get(content_type__app_label=app, codename=codename)
    )
    page = f"/accounts/{account.pk}/"

    client.force_login(reader)
    assert 'data-testid="run-cause"' not in client.get(page).content.decode()
    client.force_login(alice)
    assert 'data-testid="run-cause"' in client.get(page).content.decode()


def test_the_api_gives_the_cause_as_the_audit_event_id(charlie, account, platform):
    change_platform(platform, tagPrefix="acme_")
    run = _new_run(account)

    body = api_for(charlie).get(f"/api/v1/runs/{run.pk}/").json()

    assert body["cause"] == _event("platform.update").pk


def test_the_api_gives_no_cause_for_a_run_nothing_caused(charlie, account):
    run = account.runs.get()
    ReplicationRun.objects.filter(pk=run.pk).update(cause=None)

    assert api_for(charlie).get(f"/api/v1/runs/{run.pk}/").json()["cause"] is None
