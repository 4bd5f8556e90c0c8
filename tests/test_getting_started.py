"""The dashboard's getting-started checklist: platform, customer, project, enable, watch."""

import re

import pytest
from django.utils import timezone

from accounts.services import customer_create, project_account_create, project_create
from replication.getting_started import getting_started_steps
from replication.models import ReplicationRun


def _steps(client) -> dict[str, str]:
    """{step: "yes" or "no"} as the dashboard shows the checklist; {} when it is hidden."""
    page = client.get("/").content.decode()
    return dict(re.findall(r'data-testid="step-(\w+)" data-done="(\w+)"', page))


def test_a_new_installation_shows_every_step_to_do_with_a_link_each(client, alice):
    client.force_login(alice)
    assert _steps(client) == {
        "platform": "no", "customer": "no", "project": "no", "enable": "no", "watch": "no",
    }  # fmt: skip
    page = client.get("/").content.decode()
    for step, url in (
        ("platform", "/platforms/new/"), ("customer", "/customers/#new-customer"),
        ("project", "/projects/new/"), ("enable", "/projects/enable/"), ("watch", "/runs/"),
    ):  # fmt: skip
        assert f'href="{url}" data-testid="step-{step}-link"' in page


def test_it_ticks_each_step_once_done(client, alice, platform):
    client.force_login(alice)
    assert _steps(client)["platform"] == "yes" and _steps(client)["customer"] == "no"
    customer = customer_create(identifier="acme", actor=None)
    project = project_create(customer=customer, identifier="web", actor=None)
    assert _steps(client) == {
        "platform": "yes", "customer": "yes", "project": "yes", "enable": "no", "watch": "no",
    }  # fmt: skip
    project_account_create(project=project, platform=platform, actor=None)
    steps = _steps(client)
    assert steps["enable"] == "yes" and steps["watch"] == "no"  # its run has not finished


def test_it_hides_the_checklist_once_a_run_finished(client, alice, project_on_platform):
    client.force_login(alice)
    assert _steps(client)["watch"] == "no"
    ReplicationRun.objects.update(status=ReplicationRun.Status.FAILED, finished_at=timezone.now())
    assert _steps(client) == {}
    assert 'data-testid="getting-started"' not in client.get("/").content.decode()


def test_it_links_only_the_steps_the_user_may_do(client, bob):
    client.force_login(bob)
    page = client.get("/").content.decode()
    assert 'data-testid="step-platform"' in page
    assert 'data-testid="step-platform-link"' not in page
    assert 'data-testid="step-watch-link"' in page  # support staff read the runs


@pytest.mark.django_db
def test_it_reads_every_step_in_one_query(django_assert_num_queries, alice):
    alice.has_perm("accounts.add_project")  # the permissions are read once per request anyway
    with django_assert_num_queries(1):
        steps = getting_started_steps(alice)
    assert [step.key for step in steps] == ["platform", "customer", "project", "enable", "watch"]
