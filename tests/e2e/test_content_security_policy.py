"""In Chromium, under the real headers: no Content-Security-Policy violation, and htmx and the
API docs and the job dashboard still work. The browser part of the security tests: it lives
here, beside the other browser tests (one Chromium per test run: tests/fixtures/browser.py)."""

import pytest

from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def violations(page):
    """Every CSP violation Chromium reports on the console while the test runs."""
    found = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


def sign_in(page, base_url, username="alice", password=PASSWORD):
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def test_the_pages_and_htmx_run_without_violations(live_server, page, violations, alice, platform):
    base = live_server.url
    sign_in(page, base)
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    # htmx swaps the live preview in on load: a request, a swap and a settle under the policy.
    page.goto(f"{base}/platforms/new/")
    page.locator("#id_account_email_template").fill("aws+%s@example.com")
    page.get_by_test_id("preview-e-mail").wait_for()
    for path in ("/", "/platforms/", "/platforms/eu/aws-prod/", "/runs/", "/audit/"):
        page.goto(f"{base}{path}")
    assert violations == []


def test_the_api_docs_render_under_their_policy(live_server, page, violations, alice):
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/api/docs/")
    page.get_by_role("heading", name="meshaws API").wait_for()
    page.get_by_text("/api/v1/customers/", exact=True).first.wait_for()
    assert violations == []


def test_the_job_dashboard_runs_its_inline_blocks_by_hash(
    live_server, page, violations, admin_user
):
    assert admin_user.is_staff  # pytest-django's staff superuser
    sign_in(page, live_server.url, "admin", "password")
    # The statistics page has an inline <style>, a queue's job list an inline <script>.
    for path in ("/django-rq/", "/django-rq/queues/0/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200 and "'sha256-" in response.headers["content-security-policy"]
    assert violations == []
