"""An operator sets up a customer and project in Chromium and enables it on a platform."""

import pytest

from accounts.models import Binding
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def test_an_operator_creates_a_project_binds_users_and_enables_it(
    live_server, page, alice, platform
):
    base = live_server.url
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/customers/")
    page.locator("#id_identifier").fill("acme")
    page.locator("#id_display_name").fill("ACME")
    page.get_by_test_id("create-customer").click()
    page.wait_for_url(f"{base}/customers/acme/")

    page.get_by_test_id("new-project").click()
    page.locator("#id_identifier").fill("web")
    page.locator("#id_display_name").fill("Web shop")
    page.get_by_test_id("create-project").click()
    page.wait_for_url(f"{base}/projects/acme/web/")

    for user, role in (("dev@example.com", "admin"), ("auditor@example.com", "reader")):
        page.locator("#id_user").fill(user)
        page.locator("#id_role").select_option(role)
        page.get_by_test_id("add-binding").click()
        page.wait_for_url(f"{base}/projects/acme/web/")
        page.get_by_test_id(f"binding-{user}").wait_for()
    assert dict(Binding.objects.values_list("user", "role__identifier")) == {
        "dev@example.com": "admin",
        "auditor@example.com": "reader",
    }

    page.get_by_test_id("enable").click()
    page.locator("#id_platform").select_option(label="aws-prod.eu")
    page.get_by_test_id("enable-submit").click()
    page.wait_for_url(f"{base}/projects/acme/web/")
    account = page.get_by_test_id("account-aws-prod.eu")
    assert account.get_by_test_id("status").inner_text() == "queued"
