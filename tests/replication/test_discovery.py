"""Discovery: a platform's organization scanned for accounts no project account manages, on
the emulator; the scan as a job with its progress, the sweep, the command and the daily job
(the page and the API: test_unmanaged_page.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

import aws
from accounts.models import ProjectAccount
from accounts.services import project_account_create
from audit.models import AuditEvent
from platforms.config_io import parse_record
from platforms.secrets import SecretUnreadable
from platforms.services import platform_apply
from replication import discovery, jobs, scans
from replication.cron import discover_all_platforms, sweep_discovery_scans
from replication.discovery import discovery_run, scan_execute
from replication.models import DiscoveryScan, UnmanagedAccount
from tests.helpers import (
    EXAMPLE_VALUES,
    account_made_outside,
    allows,
    authorized,
    guide_policies,
    management,
    run_to_end,
    run_worker,
    sandbox_record,
)

DAY = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)


def _outside(state, email="legacy@example.com", name="legacy") -> str:
    """An account made without meshaws, tagged, moved into the landing-zone OU."""
    account_id = account_made_outside(
        state.endpoint_url, email, name, Tags=[{"Key": "owner", "Value": "finance"}]
    )
    aws.call(
        management(state.endpoint_url, "organizations"), "move_account", AccountId=account_id,
        SourceParentId=state.root_id, DestinationParentId=state.landing_zone_ou_id,
    )  # fmt: skip
    return account_id


def _listed(platform) -> dict[str, UnmanagedAccount]:
    return {row.aws_account_id: row for row in UnmanagedAccount.objects.filter(platform=platform)}


def _broken_platform(state, location):
    """A platform on the sandbox whose management role does not exist."""
    missing = f"arn:aws:iam::{state.management_account_id}:role/NoSuchRole"
    record = sandbox_record(state, platform="broken", organizationRootAccountRole=missing)
    return platform_apply(location=location, record=parse_record(record), actor=None).platform


@pytest.mark.sandbox
def test_it_finds_an_account_made_outside_with_its_ou_state_and_tags(
    sandbox_state, sandbox_platform, enable
):
    managed, run = enable()
    assert run_to_end(run.pk)[0] == "succeeded"
    managed.refresh_from_db()
    outside = _outside(sandbox_state)

    result = discovery_run(platform=sandbox_platform, actor=None)

    listed = _listed(sandbox_platform)
    row = listed[outside]
    assert (row.name, row.email) == ("legacy", "legacy@example.com")
    assert row.parent_id == sandbox_state.landing_zone_ou_id
    assert row.state == "ACTIVE"
    assert row.tags == {"owner": "finance"}
    assert managed.aws_account_id not in listed
    # The bootstrap's accounts (management, meshcloud, automation) are unmanaged too.
    assert sandbox_state.automation_account_id in listed
    assert (result.accounts, result.unmanaged) == (len(listed) + 1, len(listed))
    event = AuditEvent.objects.get(action="platform.discover")
    assert event.after["unmanaged"] == len(listed)
    assert event.after["new"] == len(listed)


@pytest.mark.sandbox
def test_it_moves_last_seen_and_keeps_first_seen(sandbox_state, sandbox_platform, monkeypatch):
    outside = _outside(sandbox_state)
    monkeypatch.setattr(discovery.timezone, "now", lambda: DAY)
    discovery_run(platform=sandbox_platform, actor=None)
    later = DAY.replace(day=2)
    monkeypatch.setattr(discovery.timezone, "now", lambda: later)

    result = discovery_run(platform=sandbox_platform, actor=None)

    row = _listed(sandbox_platform)[outside]
    assert (row.first_seen, row.last_seen) == (DAY, later)
    assert result.new == 0


@pytest.mark.sandbox
def test_it_stops_listing_an_account_once_it_is_managed(sandbox_state, sandbox_platform, project):
    outside = _outside(sandbox_state)
    discovery_run(platform=sandbox_platform, actor=None)
    assert outside in _listed(sandbox_platform)
    project_account_create(
        project=project, platform=sandbox_platform, aws_account_id=outside, actor=None
    )

    result = discovery_run(platform=sandbox_platform, actor=None)

    assert outside not in _listed(sandbox_platform)
    assert result.gone == 1


@pytest.mark.sandbox
def test_a_deleted_account_stays_managed_until_its_id_is_released(
    sandbox_state, sandbox_platform, project
):
    outside = _outside(sandbox_state)
    account = project_account_create(
        project=project, platform=sandbox_platform, aws_account_id=outside, actor=None
    )
    accounts = ProjectAccount.objects.filter(pk=account.pk)
    accounts.update(lifecycle=ProjectAccount.Lifecycle.DELETED, deleted_at=timezone.now())

    discovery_run(platform=sandbox_platform, actor=None)
    assert outside not in _listed(sandbox_platform)

    # Detached or released: the id is free, the account is unmanaged again.
    accounts.update(released_at=timezone.now())
    discovery_run(platform=sandbox_platform, actor=None)
    assert outside in _listed(sandbox_platform)


@pytest.mark.sandbox
def test_it_stops_listing_an_account_that_left_the_organization(sandbox_state, sandbox_platform):
    outside = _outside(sandbox_state)
    discovery_run(platform=sandbox_platform, actor=None)
    aws.call(
        management(sandbox_state.endpoint_url, "organizations"), "remove_account_from_organization",
        AccountId=outside,
    )  # fmt: skip

    discovery_run(platform=sandbox_platform, actor=None)

    assert outside not in _listed(sandbox_platform)


@pytest.mark.sandbox
def test_it_reports_progress_every_few_accounts_not_for_each(
    sandbox_state, sandbox_platform, monkeypatch
):
    for number in range(3):
        account_made_outside(sandbox_state.endpoint_url, f"o{number}@example.com", f"o{number}")
    monkeypatch.setattr(discovery, "PROGRESS_EVERY", 2)
    reports = []

    discovery_run(
        platform=sandbox_platform, actor=None, progress=lambda **counts: reports.append(counts)
    )

    # 6 accounts: the management, meshcloud and automation accounts, and three made outside.
    assert reports == [
        {"accounts_listed": 2}, {"accounts_listed": 4}, {"accounts_listed": 6},
        {"accounts_listed": 6},
        {"accounts_read": 2, "unmanaged_found": 2}, {"accounts_read": 4, "unmanaged_found": 4},
        {"accounts_read": 6, "unmanaged_found": 6},
    ]  # fmt: skip


# --- the scan as a job --------------------------------------------------------------------


@pytest.mark.sandbox
def test_the_job_runs_a_queued_scan_to_success_with_its_counts(
    sandbox_state, sandbox_platform, alice
):
    outside = _outside(sandbox_state)
    scan, created = scans.scan_request(platform=sandbox_platform, actor=alice)
    assert created and scan.status == DiscoveryScan.Status.QUEUED

    result = scan_execute(scan.pk)

    scan.refresh_from_db()
    listed = _listed(sandbox_platform)
    assert (result.accounts, result.unmanaged) == (len(listed), len(listed))
    assert outside in listed
    assert scan.status == DiscoveryScan.Status.SUCCEEDED
    assert scan.started_at and scan.finished_at and not scan.error
    assert (scan.accounts_listed, scan.accounts_read, scan.unmanaged_found) == (
        len(listed),
        len(listed),
        len(listed),
    )
    assert AuditEvent.objects.get(action="platform.discover").actor_name == "alice"
    assert AuditEvent.objects.get(action="platform.discover_request").actor_name == "alice"
    # Over: a job of it queued again does nothing.
    assert scan_execute(scan.pk) is None


@pytest.mark.sandbox
@pytest.mark.django_db(transaction=True)
def test_a_scan_requested_on_the_page_is_run_by_a_worker_process(
    client, alice, sandbox_state, sandbox_platform, settings
):
    jobs.django_rq.get_queue(jobs.DISCOVERY_QUEUE).empty()
    outside = _outside(sandbox_state)
    client.force_login(alice)

    client.post(reverse("platform-discover", kwargs={"location": "local", "platform": "aws"}))
    worker = run_worker(settings.REDIS_URL)

    assert worker.returncode == 0, worker.stderr[-2000:]
    scan = DiscoveryScan.objects.get()
    assert scan.status == DiscoveryScan.Status.SUCCEEDED, (scan.error, worker.stderr[-2000:])
    assert outside in _listed(sandbox_platform)


@pytest.mark.sandbox
def test_a_scan_that_cannot_assume_the_role_fails_with_a_plain_error(
    sandbox_state, sandbox_platform
):
    broken = _broken_platform(sandbox_state, sandbox_platform.location)
    scan, _ = scans.scan_request(platform=broken, actor=None)

    scan_execute(scan.pk)

    scan.refresh_from_db()
    assert scan.status == DiscoveryScan.Status.FAILED and scan.finished_at
    assert scan.error.startswith("AssumeRole answered AccessDenied")
    assert not _listed(broken)


def test_a_scan_with_unreadable_secrets_fails_plainly(platform, monkeypatch):
    def unreadable(found):
        raise SecretUnreadable

    monkeypatch.setattr(discovery, "platform_access", unreadable)
    scan, _ = scans.scan_request(platform=platform, actor=None)

    scan_execute(scan.pk)

    scan.refresh_from_db()
    assert scan.status == DiscoveryScan.Status.FAILED
    assert scan.error.startswith("the platform's stored secrets cannot be read")


def test_one_scan_at_a_time_per_platform(platform, alice):
    first, created = scans.scan_request(platform=platform, actor=alice)
    again, created_again = scans.scan_request(platform=platform, actor=alice)
    assert created and not created_again and again.pk == first.pk
    DiscoveryScan.objects.filter(pk=first.pk).update(status=DiscoveryScan.Status.SUCCEEDED)
    assert scans.scan_request(platform=platform, actor=alice)[1]


def test_a_request_queues_the_job_after_commit(
    platform, alice, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(
        jobs, "enqueue_discovery", lambda scan_id, suffix="": queued.append(scan_id)
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        scan, _ = scans.scan_request(platform=platform, actor=alice)
    assert queued == []
    for callback in callbacks:
        callback()
    assert queued == [scan.pk]


def test_the_job_goes_to_the_default_queue_under_the_scan_id(
    platform, django_capture_on_commit_callbacks
):
    queue = jobs.django_rq.get_queue(jobs.DISCOVERY_QUEUE)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            scan, _ = scans.scan_request(platform=platform, actor=None)
        job = queue.fetch_job(f"discovery-{scan.pk}")
        assert job.func_name == "replication.jobs.run_discovery"
        assert job.args == (str(scan.pk),)
        assert job.timeout == int(discovery.SCAN_LEASE.total_seconds())
    finally:
        queue.empty()


def test_the_sweep_queues_lost_scans_again_and_fails_stopped_ones(
    platform, location, example_record, monkeypatch
):
    other = platform_apply(
        location=location, record=parse_record({**example_record, "platform": "aws-dev"}),
        actor=None,
    ).platform  # fmt: skip
    third = platform_apply(
        location=location, record=parse_record({**example_record, "platform": "aws-qa"}),
        actor=None,
    ).platform  # fmt: skip
    now = timezone.now()
    lost = DiscoveryScan.objects.create(platform=platform, created_at=now - timedelta(minutes=5))
    stopped = DiscoveryScan.objects.create(
        platform=other, status=DiscoveryScan.Status.RUNNING,
        started_at=now - discovery.SCAN_LEASE - timedelta(minutes=1),
    )  # fmt: skip
    fresh = DiscoveryScan.objects.create(platform=third, created_at=now)
    queued = []
    monkeypatch.setattr(
        jobs, "enqueue_discovery", lambda scan_id, suffix="": queued.append((scan_id, suffix))
    )

    assert sweep_discovery_scans() == 2

    assert [scan_id for scan_id, _ in queued] == [lost.pk]
    assert queued[0][1].startswith("_sweep_")
    stopped.refresh_from_db()
    assert stopped.status == DiscoveryScan.Status.FAILED and stopped.finished_at
    assert "stopped without finishing" in stopped.error
    fresh.refresh_from_db()
    assert fresh.status == DiscoveryScan.Status.QUEUED


@pytest.mark.sandbox
def test_it_scans_from_the_command_recording_a_scan(sandbox_state, sandbox_platform, capsys):
    outside = _outside(sandbox_state)

    call_command("discover_accounts", "aws.local")

    assert outside in _listed(sandbox_platform)
    assert "unmanaged" in capsys.readouterr().out
    assert DiscoveryScan.objects.get().status == DiscoveryScan.Status.SUCCEEDED


def test_the_command_refuses_an_unknown_platform(db):
    with pytest.raises(CommandError, match="no platform 'nope.local'"):
        call_command("discover_accounts", "nope.local")


def test_the_command_waits_for_a_scan_in_progress(platform):
    scans.scan_request(platform=platform, actor=None)
    with pytest.raises(CommandError, match="a scan of this platform is queued"):
        call_command("discover_accounts", "aws-prod.eu")


@pytest.mark.sandbox
def test_the_command_says_why_a_scan_failed(sandbox_state, sandbox_platform):
    _broken_platform(sandbox_state, sandbox_platform.location)
    with pytest.raises(CommandError, match="discovery failed: AssumeRole answered AccessDenied"):
        call_command("discover_accounts", "broken.local")
    assert DiscoveryScan.objects.get().status == DiscoveryScan.Status.FAILED


@pytest.mark.sandbox
def test_the_daily_job_scans_every_platform_and_survives_one_unreachable(
    sandbox_state, sandbox_platform
):
    outside = _outside(sandbox_state)
    broken = _broken_platform(sandbox_state, sandbox_platform.location)

    assert discover_all_platforms() == 2
    assert discover_all_platforms() == 0  # each platform's scan is queued already

    for scan in DiscoveryScan.objects.all():
        scan_execute(scan.pk)
    assert outside in _listed(sandbox_platform)
    statuses = dict(DiscoveryScan.objects.values_list("platform", "status"))
    assert statuses == {
        sandbox_platform.pk: DiscoveryScan.Status.SUCCEEDED,
        broken.pk: DiscoveryScan.Status.FAILED,
    }


@pytest.mark.sandbox
def test_the_guide_allows_every_call_of_discovery(sandbox_state, sandbox_platform):
    _outside(sandbox_state)
    with aws.capturing() as calls:
        discovery_run(platform=sandbox_platform, actor=None)
    policy = guide_policies(**EXAMPLE_VALUES)["management-role"]
    account_arn = f"arn:aws:organizations::{EXAMPLE_VALUES['managementAccountId']}:account/o-a/1"
    actions = {f"organizations:{call.operation}" for call in calls if call.service != "sts"}
    assert actions == {
        "organizations:ListAccounts",
        "organizations:ListParents",
        "organizations:ListTagsForResource",
    }
    for action in actions:
        assert allows(policy, action), action
        resource = "*" if action == "organizations:ListAccounts" else account_arn
        assert authorized(policy, action, [resource]), action
