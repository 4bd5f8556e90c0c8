"""The overviews follow the database without a reload, say how fresh they are, and pause while
the tab is hidden or while a person selects accounts."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.services import project_account_create, project_create
from replication.models import ReplicationRun
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def fast_polls(settings):
    """Poll twice a second, so that the test sees a few polls quickly."""
    settings.MESHAWS_LIVE_POLL_SECONDS = 0.5


@pytest.fixture
def run(acme, platform):
    project = project_create(customer=acme, identifier="web", actor=None)
    account = project_account_create(project=project, platform=platform, actor=None)
    return account.runs.get()


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def _set_status(run, status):
    ReplicationRun.objects.filter(pk=run.pk).update(status=status, updated_at=timezone.now())


def _set_visibility(page, state):
    # Headless Chromium keeps a tab visible; the page is told otherwise, as a browser would.
    page.evaluate(
        """state => {
            Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
            Object.defineProperty(document, "hidden", {value: state === "hidden", configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        state,
    )


def _live_polls(page):
    polls = []
    page.on(
        "request",
        lambda request: (
            polls.append(request.url) if request.headers.get("x-meshaws-live") == "1" else None
        ),
    )
    return polls


def test_the_runs_list_follows_a_run_without_reloading_and_pauses_while_hidden(
    live_server, page, fast_polls, charlie, run
):
    sign_in(page, live_server.url, "charlie")
    page.goto(f"{live_server.url}/runs/")
    status = page.locator(f"#history-{run.pk}-status")
    expect(status).to_have_text("queued")
    page.evaluate("window.meshawsNotReloaded = true")
    expect(page.get_by_test_id("live-status")).to_have_text("updated 0 s ago")

    _set_status(run, ReplicationRun.Status.FAILED)
    expect(status).to_have_text("failed")
    expect(page.get_by_test_id("live-status")).to_contain_text("updated")

    polls = _live_polls(page)
    _set_visibility(page, "hidden")
    expect(page.get_by_test_id("live-status")).to_contain_text("paused while the tab is hidden")
    asked_while_hidden = len(polls)
    _set_status(run, ReplicationRun.Status.SUCCEEDED)
    page.wait_for_timeout(2000)  # four poll intervals
    assert len(polls) == asked_while_hidden
    expect(status).to_have_text("failed")

    _set_visibility(page, "visible")
    expect(status).to_have_text("succeeded")
    assert page.evaluate("window.meshawsNotReloaded") is True


def test_the_accounts_list_pauses_while_accounts_are_ticked(
    live_server, page, fast_polls, bob, run
):
    sign_in(page, live_server.url, "bob")
    page.goto(f"{live_server.url}/accounts/")
    row = page.get_by_test_id("account-row")
    expect(row).to_contain_text("pending")

    row.get_by_role("checkbox").check()
    expect(page.get_by_test_id("live-status")).to_contain_text("paused while you select")
    _set_status(run, ReplicationRun.Status.FAILED)
    page.wait_for_timeout(2000)  # four poll intervals
    expect(row).to_contain_text("pending")
    expect(row.get_by_role("checkbox")).to_be_checked()

    row.get_by_role("checkbox").uncheck()
    page.locator("h1").click()  # focus leaves the table
    expect(row).to_contain_text("failed")
    expect(page.get_by_test_id("live-status")).not_to_contain_text("paused")

    # The swapped-in form (a shared answer, without a token of its own) posts with the page's.
    row.get_by_role("checkbox").check()
    page.get_by_test_id("resync-selected").click()
    expect(page.locator(".messages")).to_contain_text("Re-sync of 1 account(s) requested.")


def test_the_batch_page_shows_its_runs_finishing(live_server, page, fast_polls, charlie, run):
    from replication.services import resync_batch_create

    batch = resync_batch_create(accounts=[run.account], description="one", actor=None)
    sign_in(page, live_server.url, "charlie")
    page.goto(f"{live_server.url}/batches/{batch.pk}/")
    expect(page.get_by_test_id("batch-remaining")).to_have_text("remaining 1")
    _set_status(run, ReplicationRun.Status.SUCCEEDED)
    expect(page.get_by_test_id("batch-done")).to_have_text("done 1")
    expect(page.get_by_test_id("batch-progress")).to_contain_text("finished")
