"""An operator adopts an account found by discovery, and two operators retire one, in Chromium."""

import re

import django_rq
import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.services import project_account_create
from replication import jobs
from replication.models import ReplicationRun
from sandbox import setup
from tests.helpers import PASSWORD, adoptable_account, organization_view, run_to_end, run_worker

pytestmark = [pytest.mark.browser, pytest.mark.sandbox]


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def _empty_queues():
    for name in (jobs.QUEUE, jobs.DISCOVERY_QUEUE):
        django_rq.get_queue(name).empty()


@pytest.fixture
def queues():
    """The job queues, empty before and after: the worker here runs this test's jobs alone."""
    _empty_queues()
    yield
    _empty_queues()


@pytest.fixture
def newcomer_platform(db, sandbox_state):
    """sandbox.local as `make run` configures it: its landing zone moves retired accounts to
    OU meshaws-retired and closes them."""
    platform = setup.configure_platform(sandbox_state).platform
    zone = platform.landing_zones.get()
    assert zone.retired_organizational_unit == sandbox_state.retired_ou_id
    assert zone.close_account_on_deletion
    return platform


def test_an_operator_discovers_an_account_made_outside_and_adopts_it_until_ready(
    live_server, page, alice, project, sandbox_state, newcomer_platform, queues
):
    outside = adoptable_account(sandbox_state, "legacy-shop")
    base = live_server.url
    sign_in(page, base, "alice")

    page.goto(f"{base}/platforms/local/sandbox/")
    page.get_by_test_id("unmanaged-accounts").click()
    unmanaged = f"{base}/platforms/local/sandbox/unmanaged/"
    page.wait_for_url(unmanaged)
    expect(page.get_by_role("heading", name="Unmanaged accounts")).to_be_visible()
    expect(page.get_by_test_id("scan-status")).to_contain_text("No scan yet")
    expect(page.get_by_test_id(f"unmanaged-{outside}")).to_have_count(0)

    page.get_by_role("button", name="Scan the organization now").click()
    page.wait_for_url(unmanaged)
    expect(page.locator(".messages")).to_contain_text("Scan of the organization queued")
    expect(page.get_by_test_id("scan-status")).to_contain_text("queued")
    expect(page.get_by_role("button", name="Scan the organization now")).to_be_disabled()

    # The scan is a job: a worker process runs it, as `make run` does.
    worker = run_worker(settings.REDIS_URL)
    assert worker.returncode == 0, worker.stderr[-2000:]

    # The page follows the scan and shows its rows once it is over, by itself.
    row = page.get_by_test_id(f"unmanaged-{outside}")
    expect(row).to_be_visible()
    expect(page.get_by_test_id("scan-status")).to_contain_text("succeeded")
    expect(row).to_contain_text("legacy-shop@example.com")
    expect(row).to_contain_text("ACTIVE")
    expect(page.get_by_role("button", name="Scan the organization now")).to_be_enabled()

    page.get_by_role("checkbox", name=f"Adopt {outside}").check()
    page.get_by_role("textbox", name=f"Project for {outside}").fill("acme.web")
    page.get_by_role("button", name="Adopt the ticked accounts").click()
    page.wait_for_url(unmanaged)
    expect(page.locator(".messages")).to_contain_text(
        f"Adopted 1 account(s): {outside} into acme.web. Their replication runs are queued."
    )
    expect(page.get_by_test_id(f"unmanaged-{outside}")).to_have_count(0)

    account = project.accounts.get()
    assert run_to_end(account.runs.get().pk)[0] == ReplicationRun.Status.SUCCEEDED

    page.goto(f"{base}/projects/acme/web/")
    page.get_by_test_id("account-sandbox.local").get_by_role("link", name=outside).click()
    page.wait_for_url(f"{base}/accounts/{account.pk}/")
    expect(page.get_by_role("heading", name="acme.web on sandbox.local")).to_be_visible()
    expect(page.locator("#account-status")).to_have_text("ready")
    expect(page.get_by_test_id("aws-account-id")).to_have_text(outside)
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded")
    expect(page.get_by_role("button", name="Retire account")).to_be_visible()


def test_an_operator_requests_a_retirement_another_approves_it_and_the_run_retires_it(
    live_server, browser, page, alice, olga, project, sandbox_state, newcomer_platform, queues
):
    account = project_account_create(project=project, platform=newcomer_platform, actor=None)
    assert run_to_end(account.runs.get().pk)[0] == ReplicationRun.Status.SUCCEEDED
    account.refresh_from_db()
    base, here = live_server.url, f"{live_server.url}/accounts/{account.pk}/"
    queue = f"{base}/retirements/"
    sign_in(page, base, "alice")

    page.goto(here)
    expect(page.locator("#account-status")).to_have_text("ready")
    page.get_by_role("textbox", name="Comment on the retirement").fill("the web shop is closed")
    page.get_by_role("button", name="Retire account").click()
    page.wait_for_url(here)
    expect(page.locator(".messages")).to_contain_text(
        "Retirement of acme.web on sandbox.local requested: it is now deletion requested."
    )
    expect(page.get_by_test_id("lifecycle")).to_have_text("deletion requested")
    expect(page.get_by_test_id("pending-retirement")).to_contain_text(
        "Retirement requested by alice"
    )
    expect(page.get_by_test_id("pending-retirement")).to_contain_text("the web shop is closed")
    # Four eyes: the requester is told to wait for another operator, with nothing to approve.
    expect(page.get_by_test_id("awaiting-second-operator")).to_contain_text(
        "you requested this retirement"
    )
    expect(page.get_by_role("button", name=re.compile("Approve"))).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Decline"))).to_have_count(0)
    expect(page.get_by_role("button", name="Retire account")).to_have_count(0)

    page.get_by_role("link", name="Retirements", exact=True).click()
    page.wait_for_url(queue)
    own = page.get_by_test_id(f"retirement-{account.pk}")
    expect(own).to_contain_text("the web shop is closed")
    expect(own).to_contain_text("awaiting a second operator (you requested it)")
    expect(own.get_by_role("button")).to_have_count(0)

    second = browser.new_context().new_page()
    second.set_default_timeout(15_000)
    try:
        sign_in(second, base, "olga")
        second.get_by_role("link", name="Retirements", exact=True).click()
        second.wait_for_url(queue)
        expect(second.get_by_test_id("tab-approval")).to_have_text("Requires approval (1)")
        expect(second.get_by_test_id("tab-approval")).to_have_attribute("aria-current", "page")
        row = second.get_by_test_id(f"retirement-{account.pk}")
        expect(row.get_by_role("link", name="acme.web on sandbox.local")).to_be_visible()
        expect(row).to_contain_text(account.aws_account_id)
        expect(row).to_contain_text("alice")
        row.get_by_role("textbox", name="Comment on approving acme.web on sandbox.local").fill(
            "agreed: nothing runs there any more"
        )
        row.get_by_role("button", name="Approve").click()
        second.wait_for_url(re.compile(re.escape(queue)))
        expect(second.locator(".messages")).to_contain_text(
            "Retirement of acme.web on sandbox.local approved: it is now retiring; "
            "a run retires it."
        )
        expect(second.get_by_test_id(f"retirement-{account.pk}")).to_have_count(0)
        expect(second.get_by_test_id("tab-in_progress")).to_have_text("In progress (1)")

        second.get_by_test_id("tab-in_progress").click()
        expect(second.get_by_test_id(f"retirement-{account.pk}")).to_contain_text("olga")

        run = account.runs.get(status__in=ReplicationRun.ACTIVE)
        assert (run.purpose, run.requested_by) == ("retire", olga)
        assert run_to_end(run.pk)[0] == ReplicationRun.Status.SUCCEEDED

        second.goto(here)
        expect(second.get_by_test_id("lifecycle")).to_contain_text("deleted")
        expect(second.get_by_test_id("retired")).to_contain_text(
            "meshaws keeps its AWS account id and its history forever"
        )
        expect(second.get_by_test_id("aws-account-id")).to_have_text(account.aws_account_id)
        expect(second.get_by_test_id("run-status")).to_have_text("succeeded")
        expect(second.get_by_test_id("no-access")).to_contain_text("This account is deleted")
        expect(second.get_by_role("button", name="Retire account")).to_have_count(0)
        expect(second.get_by_test_id("resync")).to_have_count(0)
        history = second.get_by_test_id("lifecycle-history")
        requested = history.get_by_test_id("history-project_account.deletion_request")
        expect(requested).to_contain_text("alice")
        expect(requested).to_contain_text("the web shop is closed")
        approved = history.get_by_test_id("history-project_account.deletion_approve")
        expect(approved).to_contain_text("olga")
        expect(approved).to_contain_text("agreed: nothing runs there any more")
        expect(history.get_by_test_id("history-project_account.retire")).to_contain_text(
            "retired: the retirement run ended"
        )

        second.goto(queue)
        second.get_by_test_id("tab-retired").click()
        expect(second.get_by_test_id("tab-retired")).to_have_text("Retired (1)")
        retired = second.get_by_test_id(f"retirement-{account.pk}")
        expect(retired.get_by_role("link", name="acme.web on sandbox.local")).to_be_visible()
        expect(retired).to_contain_text(account.aws_account_id)
        expect(retired).to_contain_text("agreed: nothing runs there any more")
    finally:
        second.context.close()

    # What the page says happened did happen in the organization.
    seen = organization_view(sandbox_state.endpoint_url, account.aws_account_id)
    assert (seen["state"], seen["parent"]) == ("SUSPENDED", sandbox_state.retired_ou_id)
