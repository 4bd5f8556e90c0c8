"""Support staff re-sync an account in Chromium and watch the run finish without reloading."""

import pytest
from playwright.sync_api import expect

from accounts.roles import SUPPORT
from accounts.services import staff_user_create
from replication.models import ReplicationRun
from replication.steps import STEP_NAMES
from tests.helpers import PASSWORD, run_to_end

pytestmark = [pytest.mark.browser, pytest.mark.sandbox]


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def test_support_resyncs_an_account_and_watches_the_run_succeed_without_reloading(
    live_server,
    page,
    enable,
):
    staff_user_create(username="bob", role=SUPPORT, password=PASSWORD, actor=None)
    account, first = enable()
    assert run_to_end(first.pk)[0] == ReplicationRun.Status.SUCCEEDED
    base, here = live_server.url, f"{live_server.url}/accounts/{account.pk}/"
    sign_in(page, base, "bob")

    page.goto(here)
    live = page.get_by_test_id("run-live")
    expect(live).to_have_attribute("data-run-id", str(first.pk))
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded")
    page.get_by_test_id("resync").click()
    page.wait_for_url(here)
    new = ReplicationRun.objects.exclude(pk=first.pk).get(account=account)
    assert (new.trigger, new.requested_by.username) == ("resync", "bob")
    expect(page.locator(".messages")).to_contain_text(f"run {str(new.pk)[:8]} queued")
    expect(live).to_have_attribute("data-run-id", str(new.pk))
    expect(page.get_by_test_id("run-status")).to_have_text("queued")
    expect(page.get_by_test_id("run-progress-text")).to_have_text(
        f"0 / {len(STEP_NAMES)} steps done"
    )

    # From here on the page must change by itself: no navigation, no reload.
    navigations = []
    page.on(
        "framenavigated",
        lambda frame: navigations.append(frame.url) if frame == page.main_frame else None,
    )
    page.evaluate("window.meshawsNotReloaded = true")
    assert run_to_end(new.pk)[0] == ReplicationRun.Status.SUCCEEDED

    expect(page.get_by_test_id("run-status")).to_have_text("succeeded", timeout=15_000)
    expect(live).to_have_attribute("data-run-id", str(new.pk))
    expect(page.get_by_test_id("run-progress-text")).to_have_text(
        f"{len(STEP_NAMES)} / {len(STEP_NAMES)} steps done"
    )
    expect(page.locator("#account-status")).to_have_text("ready")
    expect(page.locator(f"#history-{new.pk}-status")).to_have_text("succeeded")
    # Polling stopped with the run: the ended run's section no longer asks for itself.
    expect(live).not_to_have_attribute("hx-trigger", "every 2s")
    assert page.url == here and navigations == []
    assert page.evaluate("window.meshawsNotReloaded") is True
