"""Signing in through the real login form in Chromium."""

import pytest

pytestmark = pytest.mark.browser


def test_it_signs_in_through_the_login_form(live_server, page, alice):
    page.goto(f"{live_server.url}/platforms/")
    assert "/login/" in page.url
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/platforms/")
    assert page.get_by_test_id("username").inner_text() == "alice"
    assert page.get_by_test_id("role").inner_text() == "operator"
    assert page.get_by_role("heading", name="Platforms").is_visible()


def test_it_shows_an_error_for_a_wrong_password_and_signs_out(live_server, page, alice):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text().startswith("Please enter a correct username")

    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url


def test_it_loads_the_vendored_css_and_htmx_without_a_cdn(live_server, page, alice):
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    outside = []
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith(live_server.url) else outside.append(request.url)
        ),
    )
    page.goto(f"{live_server.url}/login/")
    assert page.evaluate("typeof htmx") == "object"
    assert not failed and not outside
