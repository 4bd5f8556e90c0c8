"""Asking for a discovery scan: one active scan per platform, its job queued after commit;
the sweep that finds scans whose job or worker was lost."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_event_create
from platforms.models import PlatformInstance

from . import jobs
from .discovery import SCAN_LEASE, DiscoveryResult, scan_execute
from .models import DiscoveryScan

# A scan queued this long ago and not started has lost its job (Redis restarted): queued again.
OVERDUE = timedelta(minutes=2)


def latest_scan(platform: PlatformInstance) -> DiscoveryScan | None:
    """The platform's newest scan, in progress or over."""
    return DiscoveryScan.objects.filter(platform=platform).order_by("-created_at").first()


def scan_request(
    *, platform: PlatformInstance, actor: AbstractBaseUser | None, enqueue: bool = True
) -> tuple[DiscoveryScan, bool]:
    """The platform's scan in progress, joined, or a new queued one; and whether it is new.

    A new scan's job is queued after commit (unless `enqueue` is false: the caller runs it
    inline). Requests by people are audited; the scan's result is audited when it ends.
    """
    with transaction.atomic():
        active = DiscoveryScan.objects.filter(
            platform=platform, status__in=DiscoveryScan.ACTIVE
        ).first()
        if active is not None:
            return active, False
        try:
            with transaction.atomic():
                scan = DiscoveryScan.objects.create(platform=platform, requested_by=actor)
        except IntegrityError:
            # Another request created the platform's scan between our read and our insert.
            return DiscoveryScan.objects.get(
                platform=platform, status__in=DiscoveryScan.ACTIVE
            ), False
        if actor is not None:
            audit_event_create(
                actor=actor, action="platform.discover_request", object_type="platform",
                object_id=platform.pk, object_repr=platform.full_identifier,
                after={"scan": str(scan.pk)},
            )  # fmt: skip
        if enqueue:
            transaction.on_commit(lambda: jobs.enqueue_discovery(scan.pk))
    return scan, True


class ScanInProgress(Exception):
    """The platform has a scan queued or running already (`scan`)."""

    def __init__(self, scan: DiscoveryScan):
        super().__init__(f"a scan of this platform is {scan.status} since {scan.created_at:%c}")
        self.scan = scan


def scan_now(
    *, platform: PlatformInstance, actor: AbstractBaseUser | None
) -> tuple[DiscoveryScan, DiscoveryResult | None]:
    """Scan the platform in this process, recorded as a scan like a job's; the scan (ended,
    succeeded or failed) and its result. ScanInProgress when one is queued or running."""
    scan, created = scan_request(platform=platform, actor=actor, enqueue=False)
    if not created:
        raise ScanInProgress(scan)
    result = scan_execute(scan.pk)
    scan.refresh_from_db()
    return scan, result


def sweep_scans() -> tuple[int, int]:
    """Queue again the scans whose job was lost, fail those whose worker stopped; how many
    of each."""
    now = timezone.now()
    lost = DiscoveryScan.objects.filter(
        status=DiscoveryScan.Status.QUEUED, created_at__lt=now - OVERDUE
    ).values_list("pk", flat=True)
    requeued = 0
    for scan_id in lost:
        jobs.enqueue_discovery(scan_id, suffix=f"_sweep_{int(now.timestamp())}")
        requeued += 1
    # A scan reads the organization from the start again, so a stopped one is not resumed:
    # it fails, and the next request (or the daily scan) starts a fresh one.
    failed = DiscoveryScan.objects.filter(
        status=DiscoveryScan.Status.RUNNING, started_at__lt=now - SCAN_LEASE
    ).update(
        status=DiscoveryScan.Status.FAILED, finished_at=now,
        error="the scan stopped without finishing (its worker ended or the job timed out); "
        "start a new one",
    )  # fmt: skip
    return requeued, failed
