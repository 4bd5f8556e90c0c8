"""True status: queued, waiting for AWS, retrying, failed, ready and ready with warnings."""

import pytest

import aws
from accounts.models import ProjectAccount
from platforms.models import PlatformInstance
from replication import engine
from replication.services import request_replication
from replication.signals import account_status_changed
from tests.helpers import Scheduler, run_to_end
from tests.replication.test_organization_gate import enable_many
from tests.replication.test_paths import fail_once

pytestmark = pytest.mark.sandbox


@pytest.fixture
def announced():
    """What account_status_changed said: (old, new) per call."""
    heard = []

    def receiver(sender, account, old, new, run, **kwargs):
        heard.append((old, new))

    account_status_changed.connect(receiver)
    yield heard
    account_status_changed.disconnect(receiver)


def _status(account) -> ProjectAccount:
    return ProjectAccount.objects.get(pk=account.pk)


def test_a_new_account_is_queued_until_a_worker_claims_its_run(enable):
    account, _ = enable()
    assert _status(account).status == "queued"
    assert _status(account).get_status_display() == "queued"


def test_a_transient_error_makes_the_account_retrying_with_the_error_and_the_next_attempt(
    enable, monkeypatch
):
    error = aws.AwsError("ListParents", "TooManyRequestsException", "slow down", True)
    fail_once(monkeypatch, "list_parents", error)
    account, run = enable()
    assert engine.execute(run.pk, schedule=Scheduler()) == "waiting"
    found = _status(account)
    assert found.status == "retrying" and found.get_status_display() == "retrying"
    assert "TooManyRequestsException" in found.status_message
    run.refresh_from_db()
    assert found.next_attempt_at == run.next_attempt_at is not None
    run_to_end(run.pk)
    found = _status(account)
    assert (found.status, found.status_message, found.next_attempt_at) == ("ready", "", None)


def test_a_creation_in_progress_is_waiting_for_aws(enable, slow_creation):
    slow_creation["polls"] = 10_000
    account, run = enable()
    assert engine.execute(run.pk, schedule=Scheduler()) == "waiting"
    found = _status(account)
    assert found.status == "waiting_for_aws" and found.get_status_display() == "waiting for AWS"
    assert found.status_message and found.next_attempt_at is not None


def test_a_run_waiting_for_a_creation_slot_is_queued(project, sandbox_platform, slow_creation):
    slow_creation["polls"] = 10_000
    runs = enable_many(project, sandbox_platform, "a", 6)
    for run in runs:
        assert engine.execute(run.pk, schedule=Scheduler()) == "waiting"
    statuses = [_status(run.account).status for run in runs]
    assert statuses == ["waiting_for_aws"] * 5 + ["queued"]
    assert _status(runs[5].account).status_message.endswith("queued")


def test_an_alias_kept_makes_the_account_ready_with_warnings_never_plain_ready(
    enable, monkeypatch, announced
):
    PlatformInstance.objects.update(enforce_account_alias=False)
    original = aws.call

    def someone_elses_alias(client, name, **params):
        if name == "list_account_aliases":
            return {"AccountAliases": ["an-alias-set-by-hand"]}
        return original(client, name, **params)

    monkeypatch.setattr(aws, "call", someone_elses_alias)
    account, run = enable()
    assert run_to_end(run.pk)[0] == "succeeded"
    found = _status(account)
    assert found.status == "ready_with_warnings" and found.warnings == 1
    assert found.get_status_display() == "ready with warnings"
    assert announced == [(None, "ready_with_warnings")]
    # What AWS has is stored beside what is wanted; only the alias differs.
    assert [(d.field, d.actual, d.wanted) for d in found.differences] == [
        ("alias", "an-alias-set-by-hand", found.alias)
    ]
    assert set(found.actual) == {"name", "alias", "ou", "tags"}


def test_the_accounts_list_and_page_show_the_actual_value_where_it_differs(client, charlie, enable):
    account, _ = enable()
    ProjectAccount.objects.filter(pk=account.pk).update(
        status="retrying", status_message="ListParents failed with Throttling (transient)",
        actual={"alias": {"actual": "old-alias", "wanted": account.alias},
                "ou": {"actual": "ou-ab12-other", "wanted": "ou-ab12-wanted"}},
    )  # fmt: skip
    client.force_login(charlie)
    listed = client.get("/accounts/").content.decode()
    assert "alias in AWS: <code>old-alias</code>" in listed
    assert "OU in AWS: <code>ou-ab12-other</code>" in listed
    assert "ListParents failed with Throttling" in listed
    page = client.get(f"/accounts/{account.pk}/").content.decode()
    assert 'data-testid="difference-ou"' in page and "ou-ab12-wanted" in page
    assert "Retrying:</strong> ListParents failed with Throttling" in page


def test_a_failure_and_a_recovery_are_announced_with_the_status_before(
    enable, monkeypatch, announced
):
    error = aws.AwsError("ListParents", "AccessDeniedException", "no", False)
    fail_once(monkeypatch, "list_parents", error)
    account, run = enable()
    assert run_to_end(run.pk)[0] == "failed"
    found = _status(account)
    assert found.status == "failed" and "AccessDeniedException" in found.status_message
    again, _ = request_replication(account=account, trigger="resync", actor=None)
    assert run_to_end(again.pk)[0] == "succeeded"
    assert _status(account).status == "ready"
    assert announced == [(None, "failed"), ("failed", "ready")]


@pytest.mark.slow
def test_a_platform_whose_endpoint_is_down_is_amber_with_its_accounts_retrying(
    client, alice, enable, sandbox_platform
):
    # Nothing listens on port 9 of this machine: every call fails to connect.
    PlatformInstance.objects.filter(pk=sandbox_platform.pk).update(
        endpoint_url="http://127.0.0.1:9"
    )
    account, run = enable()
    assert engine.execute(run.pk, schedule=Scheduler()) == "waiting"
    found = _status(account)
    assert found.status == "retrying" and found.next_attempt_at is not None
    assert "EndpointConnectionError" in found.status_message
    client.force_login(alice)
    response = client.get("/")
    [summary] = [
        s for s in response.context["platform_summaries"] if s.platform == sandbox_platform
    ]
    assert summary.health == "retrying" and summary.retrying.account_id == account.pk
    assert "No account is failing." in response.content.decode()
