"""An operator manages staff in Chromium: create, one-time password, token issued and revoked."""

import pytest
from rest_framework.test import APIClient

from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def _api_status(key: str) -> int:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api.get("/api/v1/platforms/").status_code


def test_an_operator_creates_a_staff_user_and_issues_and_revokes_a_token(
    live_server, browser, page, alice
):
    sign_in(page, live_server.url, "alice")
    page.get_by_test_id("nav-staff").click()
    page.get_by_test_id("new-staff-user").click()
    page.locator("[name=username]").fill("erin")
    page.locator("[name=email]").fill("erin@example.com")
    page.locator("[name=role]").select_option("support")
    page.get_by_label("Initial password").fill("erin")
    page.get_by_test_id("create-staff-user").click()
    assert any(
        "too short" in text for text in page.get_by_test_id("error-password").all_inner_texts()
    )
    page.get_by_label("Initial password").fill("")
    page.get_by_test_id("create-staff-user").click()
    password = page.get_by_test_id("secret").input_value()
    page.get_by_test_id("done").click()
    assert page.get_by_test_id("subject-role").inner_text() == "support"
    assert password not in page.content()

    page.get_by_test_id("issue-token").click()
    key = page.get_by_test_id("secret").input_value()
    assert _api_status(key) == 200
    page.get_by_test_id("done").click()
    page.get_by_test_id("revoke-token").click()
    page.get_by_test_id("confirm-revoke").click()
    assert page.get_by_test_id("token-status").inner_text() == "No API token."
    assert _api_status(key) == 401

    # erin signs in with the password shown once; a support engineer has no Staff section.
    other = browser.new_context().new_page()
    sign_in(other, live_server.url, "erin", password)
    assert other.get_by_test_id("role").inner_text() == "support"
    assert other.get_by_test_id("nav-staff").count() == 0
    assert other.goto(f"{live_server.url}/staff/").status == 403
    other.context.close()
