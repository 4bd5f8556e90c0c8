"""An auditor, in Chromium: filters the runs, exports them, reads an event's diff, changes nothing."""

import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.services import (
    customer_create,
    project_account_create,
    project_create,
    staff_user_create,
)
from audit.models import AuditEvent
from replication.models import ReplicationRun
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser
RESYNC = re.compile(r"re-?sync", re.IGNORECASE)


def test_an_auditor_filters_failed_runs_exports_them_and_reads_a_diff(
    live_server, page, platform, example_record
):
    from platforms.config_io import parse_record
    from platforms.services import platform_apply

    staff_user_create(username="charlie", role="auditor", password=PASSWORD, actor=None)
    customer = customer_create(identifier="acme", display_name="ACME", actor=None)
    project = project_create(customer=customer, identifier="web", display_name="Web", actor=None)
    account = project_account_create(project=project, platform=platform, actor=None)
    # An operator's change of the alias pattern: the event whose diff the auditor reads.
    changed = {**example_record, "accountAliasPattern": "mc-<customer>-<project>"}
    platform_apply(location=platform.location, record=parse_record(changed), actor=None)
    succeeded = account.runs.get()
    ReplicationRun.objects.filter(pk=succeeded.pk).update(
        status="succeeded", started_at=timezone.now(), finished_at=timezone.now()
    )
    failed = ReplicationRun.objects.create(
        account=account, trigger="resync", status="failed",
        error="AccessDenied: not allowed to create accounts", error_step="create_account",
    )  # fmt: skip

    base = live_server.url
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill("charlie")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")

    page.get_by_role("link", name="Runs", exact=True).click()
    page.wait_for_url(f"{base}/runs/")
    expect(page.get_by_test_id(f"run-{succeeded.pk}")).to_be_visible()
    page.locator("#id_status").select_option("failed")
    page.get_by_test_id("filter").click()
    page.wait_for_url(re.compile(r".*/runs/\?.*status=failed"))
    expect(page.get_by_test_id(f"run-{failed.pk}")).to_contain_text("AccessDenied")
    expect(page.get_by_test_id(f"run-{succeeded.pk}")).to_have_count(0)
    expect(page.get_by_role("button", name=RESYNC)).to_have_count(0)

    with page.expect_download() as download_info:
        page.get_by_test_id("export").click()
    exported = Path(download_info.value.path()).read_text()
    assert exported.startswith("run_id,account_id,")
    assert str(failed.pk) in exported and "AccessDenied" in exported
    assert str(succeeded.pk) not in exported

    page.get_by_role("link", name="Audit log").click()
    page.wait_for_url(f"{base}/audit/")
    page.locator("#id_action").fill("platform.update")
    page.get_by_test_id("filter").click()
    page.wait_for_url(re.compile(r".*/audit/\?.*action=platform\.update"))
    event = AuditEvent.objects.get(action="platform.update")
    page.get_by_test_id(f"event-{event.pk}").get_by_test_id("event-link").click()
    page.wait_for_url(f"{base}/audit/{event.pk}/")
    change = page.get_by_test_id("diff-accountAliasPattern")
    expect(change.get_by_test_id("kind")).to_have_text("changed")
    expect(change.get_by_test_id("before")).to_have_text("meshcloud-<customer>-<project>")
    expect(change.get_by_test_id("after")).to_have_text("mc-<customer>-<project>")
    expect(page.get_by_role("button", name=RESYNC)).to_have_count(0)

    response = page.goto(f"{base}/accounts/{account.pk}/")
    assert response.ok, response.status
    expect(page.get_by_role("heading", name="acme.web on aws-prod.eu")).to_be_visible()
    expect(page.get_by_test_id("resync")).to_have_count(0)
    expect(page.get_by_role("button", name=RESYNC)).to_have_count(0)
