"""Expiring bindings in Identity Center mode: a run of the account when a binding expires.

When a project's bindings or accounts change, a run of each Identity Center account of the
project is scheduled at each future `expires_at` (rq's scheduler; one job per account and
expiry time). The sweep in `cron` is the safety net: a membership still recorded for a
binding that has expired, with no run of its account requested since, gets one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import django_rq
from django.db import close_old_connections
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from accounts.models import Binding, ProjectAccount
from platforms.models import PlatformInstance
from replication import jobs
from replication.models import IdentityCenterMembership, ReplicationRun
from replication.services import request_replication

# The scheduler keeps whole seconds: the run starts this much after the expiry, never before.
AFTER_EXPIRY = timedelta(seconds=1)


def expiry_job_id(account_id: int, expires_at: datetime) -> str:
    """The job of an account's run at one expiry time: scheduling it again replaces it."""
    return f"expiry_{account_id}_{int(expires_at.timestamp())}"


def run_time(expires_at: datetime) -> datetime:
    """When the run for a binding expiring at `expires_at` starts."""
    return expires_at.replace(microsecond=0) + AFTER_EXPIRY


def schedule_expiry_runs(account_ids) -> int:
    """Schedule a run of each Identity Center account at each future expiry of its project's
    bindings; how many were scheduled."""
    accounts = [
        account
        for account in ProjectAccount.objects.filter(
            pk__in=list(account_ids), deleted_at__isnull=True
        ).select_related("platform")
        if account.platform.access_mode == PlatformInstance.AccessMode.IDENTITY_CENTER
    ]
    if not accounts:
        return 0
    expiries: dict[int, set[datetime]] = {}
    for project_id, expires_at in Binding.objects.filter(
        project_id__in={account.project_id for account in accounts}, expires_at__gt=timezone.now()
    ).values_list("project_id", "expires_at"):
        expiries.setdefault(project_id, set()).add(expires_at)
    queue = django_rq.get_queue(jobs.QUEUE)
    scheduled = 0
    for account in accounts:
        for expires_at in sorted(expiries.get(account.project_id, ())):
            queue.enqueue_at(
                run_time(expires_at), run_at_expiry, account.pk,
                job_id=expiry_job_id(account.pk, expires_at),
            )  # fmt: skip
            scheduled += 1
    return scheduled


def run_at_expiry(account_id: int) -> str | None:
    """Job: a binding of the account's project expired; its run (new or joined), if live."""
    close_old_connections()
    account = ProjectAccount.objects.filter(pk=account_id, deleted_at__isnull=True).first()
    if account is None:
        return None
    run, _ = request_replication(
        account=account, trigger=ReplicationRun.Trigger.BINDING_EXPIRED, actor=None
    )
    return str(run.pk) if run is not None else None


def accounts_with_expired_members() -> list[ProjectAccount]:
    """Accounts with a recorded member whose binding has expired, and no run asked since."""
    now = timezone.now()
    expired = Binding.objects.filter(
        project_id=OuterRef("group__project_id"), user=OuterRef("user_name"), expires_at__lte=now
    ).values("expires_at")[:1]
    found = (
        IdentityCenterMembership.objects.annotate(expired_at=Subquery(expired))
        .filter(expired_at__isnull=False)
        .values_list("group__platform_id", "group__project_id", "expired_at")
    )
    latest: dict[tuple[int, int], datetime] = {}
    for platform_id, project_id, expired_at in found:
        key = (platform_id, project_id)
        latest[key] = max(expired_at, latest.get(key, expired_at))
    accounts = []
    for (platform_id, project_id), expired_at in latest.items():
        account = ProjectAccount.objects.filter(
            platform_id=platform_id, project_id=project_id, deleted_at__isnull=True
        ).first()
        # A run asked for since the expiry has removed the member, or will: one is enough.
        if account is not None and not account.runs.filter(created_at__gte=expired_at).exists():
            accounts.append(account)
    return accounts
