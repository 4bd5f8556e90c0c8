"""An operator enables three projects on a platform at once, in Chromium."""

import pytest

from accounts.models import ProjectAccount
from accounts.services import project_create
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def test_an_operator_ticks_projects_reviews_the_count_and_enables_them(
    live_server, page, alice, platform, acme
):
    for name in ("web", "shop", "api", "lab"):
        project_create(customer=acme, identifier=name, actor=None)
    base = live_server.url
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/platforms/eu/aws-prod/")
    page.get_by_test_id("bulk-enable").click()
    page.wait_for_url(f"{base}/projects/enable/?platform=aws-prod.eu")
    for name in ("web", "shop", "api"):
        page.get_by_test_id(f"bulk-choose-acme.{name}").check()
    page.get_by_test_id("bulk-landing-zone").select_option("sandbox")
    page.get_by_test_id("bulk-enable-review").click()

    confirm = page.get_by_test_id("bulk-enable-confirm")
    assert "Enable 3 projects on aws-prod.eu?" in confirm.inner_text()
    assert "meshcloud-acme-shop" in confirm.get_by_test_id("confirm-acme.shop").inner_text()
    assert not ProjectAccount.objects.exists()
    page.get_by_test_id("bulk-enable-confirm-submit").click()
    page.wait_for_url(f"{base}/accounts/?platform=aws-prod.eu")
    assert "3 projects enabled on aws-prod.eu" in page.content()
    enabled = ProjectAccount.objects.values_list("project__identifier", "landing_zone__identifier")
    assert sorted(enabled) == [("api", "sandbox"), ("shop", "sandbox"), ("web", "sandbox")]

    # Back on the page, the three show as enabled: only acme.lab can still be ticked.
    page.goto(f"{base}/projects/enable/?platform=aws-prod.eu")
    assert page.get_by_test_id("bulk-choose-acme.lab").is_visible()
    assert page.get_by_test_id("bulk-choose-acme.web").count() == 0
