"""From failure to fix, in Chromium: what to fix, the change that caused the run, Retry now."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ProjectAccount
from accounts.services import project_account_create
from replication import jobs
from replication.models import ReplicationRun, ReplicationStep
from tests.helpers import PASSWORD, change_platform

pytestmark = pytest.mark.browser

REMARK = "ListParents failed with TooManyRequestsException (transient); the run is retried in 9 s"


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def _retrying_after_a_change(web, platform) -> ReplicationRun:
    """acme.web's run asked for by a platform change, parked after a throttled call."""
    account = project_account_create(project=web, platform=platform, actor=None)
    ReplicationRun.objects.filter(account=account).update(status="succeeded")
    change_platform(platform, tagPrefix="acme_")
    run = account.runs.get(status="pending")
    now = timezone.now()
    later = now + timedelta(minutes=3)
    ReplicationRun.objects.filter(pk=run.pk).update(
        status="waiting", attempt=1, next_attempt_at=later
    )
    ReplicationStep.objects.create(
        run=run, attempt=1, position=6, name="organizational-unit", status="failed",
        started_at=now, finished_at=now, remark=REMARK,
    )  # fmt: skip
    ProjectAccount.objects.filter(pk=account.pk).update(
        status=ProjectAccount.Status.RETRYING, status_message=REMARK, next_attempt_at=later
    )
    return run


def test_an_operator_reads_what_to_fix_follows_the_cause_and_retries_now(
    live_server, page, alice, web, platform, monkeypatch
):
    woken = []
    monkeypatch.setattr(jobs, "wake", woken.append)
    run = _retrying_after_a_change(web, platform)
    base = live_server.url
    _sign_in(page, base, "alice")

    page.goto(f"{base}/accounts/{run.account_id}/")
    fix = page.get_by_test_id("what-to-fix")
    assert "TooManyRequestsException" in fix.inner_text()
    assert "accountCreationConcurrency" in fix.get_by_test_id("fix-field").inner_text()

    page.get_by_test_id("retry-now").click()
    page.wait_for_url(f"{base}/accounts/{run.account_id}/")
    assert f"run {str(run.pk)[:8]} is queued now" in page.content()
    assert [each.pk for each in woken] == [run.pk]

    page.get_by_test_id("run-cause").first.click()
    page.wait_for_url(f"{base}/audit/*/")
    assert "platform.update" in page.content()
