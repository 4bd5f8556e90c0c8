"""An operator changes an alias pattern in Chromium, reviews the impact, and confirms."""

import pytest

from accounts.services import customer_create, project_account_create, project_create
from replication.models import ReplicationRun

pytestmark = pytest.mark.browser


def test_an_alias_change_shows_its_impact_and_resyncs_the_accounts(
    live_server, page, alice, platform
):
    customer = customer_create(identifier="acme", actor=None)
    for name in ("web", "api"):
        project = project_create(customer=customer, identifier=name, actor=None)
        project_account_create(project=project, platform=platform, actor=None)
    ReplicationRun.objects.update(status="succeeded")

    base = live_server.url
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/platforms/eu/aws-prod/edit/")
    page.locator("#id_account_alias_pattern").fill("acme-<customer>-<project>")
    # The stored secrets stay: the secret fields are left empty.
    page.get_by_test_id("save").click()
    impact = page.get_by_test_id("impact")
    impact.wait_for()
    assert "This change affects 2 existing accounts" in impact.inner_text()
    assert page.get_by_test_id("impact-row").count() == 2
    assert "acme-acme-web" in impact.inner_text()
    assert not ReplicationRun.objects.filter(status="pending").exists()

    page.get_by_test_id("confirm-impact").click()
    page.wait_for_url(f"{base}/platforms/eu/aws-prod/")
    assert page.get_by_test_id("alias-example").inner_text() == "acme-acme-web-shop"
    pending = ReplicationRun.objects.filter(status="pending", trigger="configuration_changed")
    assert sorted(run.account.alias for run in pending) == ["acme-acme-api", "acme-acme-web"]
