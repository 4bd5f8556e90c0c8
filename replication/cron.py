"""The periodic jobs, for `manage.py rqcron replication.cron` (a `make run` process)."""

from __future__ import annotations

import logging
from datetime import timedelta

import django_rq
from django.db.models import Q
from django.utils import timezone
from rq import cron

from accounts.selectors import project_accounts
from platforms.models import PlatformInstance
from replication import jobs
from replication.expiry import accounts_with_expired_members
from replication.models import ReplicationRun
from replication.runs import accounts_left_without_retirement
from replication.scans import scan_request, sweep_scans
from replication.services import request_replication

logger = logging.getLogger(__name__)


def resync_all_accounts() -> int:
    """Cron job: a daily run of every live account (drift repair); returns how many."""
    accounts = list(project_accounts())
    for account in accounts:
        request_replication(account=account, trigger=ReplicationRun.Trigger.SCHEDULE, actor=None)
    return len(accounts)


# A run due this long ago without having started has lost its job (Redis restarted, a
# worker died): the sweep queues it again.
OVERDUE = timedelta(minutes=2)


def sweep_overdue_runs() -> int:
    """Cron job: queue again the runs whose job was lost; returns how many."""
    now = timezone.now()
    overdue = ReplicationRun.objects.filter(
        Q(status=ReplicationRun.Status.PENDING, created_at__lt=now - OVERDUE)
        | Q(status=ReplicationRun.Status.WAITING, next_attempt_at__lt=now - OVERDUE)
        | Q(status=ReplicationRun.Status.RUNNING, lease_expires_at__lt=now)
    )
    queue = django_rq.get_queue(jobs.QUEUE)
    count = 0
    for run in overdue:
        queue.enqueue(
            jobs.run_replication, str(run.pk), job_id=f"{run.pk}_sweep_{int(now.timestamp())}"
        )
        count += 1
    return count


def sweep_expired_members() -> int:
    """Cron job: a run of each account keeping a member whose binding expired (its scheduled
    run was lost, or the platform came to Identity Center mode since); returns how many."""
    accounts = accounts_with_expired_members()
    for account in accounts:
        request_replication(
            account=account, trigger=ReplicationRun.Trigger.BINDING_EXPIRED, actor=None
        )
    return len(accounts)


def sweep_retirements() -> int:
    """Cron job: a retirement run of each account being retired that was left without one (a
    converge run ended without handing over: its worker died); returns how many."""
    accounts = accounts_left_without_retirement()
    for account in accounts:
        request_replication(
            account=account, trigger=ReplicationRun.Trigger.DELETION_APPROVED, actor=None
        )
    return len(accounts)


def discover_all_platforms() -> int:
    """Cron job: a discovery scan of every platform's organization, each its own job (one
    unreachable organization does not hold up the others); returns how many were queued."""
    count = 0
    for platform in PlatformInstance.objects.order_by("pk"):
        count += scan_request(platform=platform, actor=None)[1]
    return count


def sweep_discovery_scans() -> int:
    """Cron job: queue again the scans whose job was lost, fail those whose worker stopped;
    returns how many scans it touched."""
    requeued, failed = sweep_scans()
    if failed:
        logger.warning("%d discovery scan(s) stopped without finishing: failed", failed)
    return requeued + failed


cron.register(resync_all_accounts, "default", cron="0 3 * * *", name="daily re-sync")
cron.register(sweep_overdue_runs, "default", interval=120, name="sweep overdue runs")
cron.register(sweep_expired_members, "default", interval=300, name="sweep expired members")
cron.register(sweep_retirements, "default", interval=120, name="sweep retirements")
cron.register(discover_all_platforms, "default", cron="30 3 * * *", name="daily discovery")
cron.register(sweep_discovery_scans, "default", interval=120, name="sweep discovery scans")
