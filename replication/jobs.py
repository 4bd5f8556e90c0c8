"""The RQ entry points: load by id, call the engine; nothing else."""

from __future__ import annotations

from datetime import timedelta

import django_rq
from django.db import close_old_connections
from rq.exceptions import NoSuchJobError

from replication.models import ReplicationRun

from . import engine
from .discovery import SCAN_LEASE, scan_execute

QUEUE = "replication"
# Scans go to the queue of the periodic jobs: a backlog of runs does not hold them up.
DISCOVERY_QUEUE = "default"


def job_id(run_id, attempt: int = 0) -> str:
    """The RQ job id of a run's attempt: the run's own UUID, then `<uuid>_<attempt>`."""
    # rq accepts only letters, digits, "_" and "-" in a job id.
    return str(run_id) if attempt == 0 else f"{run_id}_{attempt}"


def enqueue(run: ReplicationRun) -> None:
    """Queue the run now (call after the transaction that created it has committed)."""
    django_rq.get_queue(QUEUE).enqueue(run_replication, str(run.pk), job_id=job_id(run.pk))


def schedule_again(run: ReplicationRun, delay: timedelta) -> None:
    """Queue the run's next attempt after `delay` (a worker with --with-scheduler runs it)."""
    # At the front: a run already under way (polling its creation, retrying) goes before
    # runs not started yet, so a long backlog does not hold up the creations in flight.
    django_rq.get_queue(QUEUE).enqueue_in(
        delay, run_replication, str(run.pk), run.attempt, job_id=job_id(run.pk, run.attempt),
        at_front=True,
    )  # fmt: skip


def wake(run: ReplicationRun) -> None:
    """Queue a waiting run's next attempt now, at the front (a creation slot came free)."""
    queue = django_rq.get_queue(QUEUE)
    queue.enqueue(
        run_replication, str(run.pk), run.attempt, job_id=f"{job_id(run.pk, run.attempt)}_wake",
        at_front=True,
    )  # fmt: skip
    # Its scheduled re-check is stale now (the attempt check would make it a no-op anyway);
    # it may be gone already (run, or removed by an earlier wake-up).
    try:
        queue.scheduled_job_registry.remove(job_id(run.pk, run.attempt), delete_job=True)
    except NoSuchJobError:
        pass


def run_replication(run_id: str, attempt: int | None = None) -> str | None:
    """Job: run (or continue) replication run `run_id`; with `attempt`, only if still due."""
    # Workers run jobs in-process (SimpleWorker, to keep boto3's session, clients and
    # credentials warm): drop connections the database closed between jobs.
    close_old_connections()
    try:
        return engine.execute(
            run_id, schedule=schedule_again, wake=wake, expected_attempt=attempt, hand_off=True
        )
    finally:
        close_old_connections()


def enqueue_discovery(scan_id, suffix: str = "") -> None:
    """Queue the discovery scan (after the transaction that created it has committed)."""
    django_rq.get_queue(DISCOVERY_QUEUE).enqueue(
        run_discovery, str(scan_id), job_id=f"discovery-{scan_id}{suffix}",
        job_timeout=int(SCAN_LEASE.total_seconds()),
    )  # fmt: skip


def run_discovery(scan_id: str) -> str | None:
    """Job: run discovery scan `scan_id` (a no-op when another job took it or it is over)."""
    close_old_connections()
    try:
        result = scan_execute(scan_id)
        if result is None:
            return None
        return f"{result.accounts} accounts, {result.unmanaged} unmanaged"
    finally:
        close_old_connections()
