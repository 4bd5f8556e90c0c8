"""The RQ entry points: load by id, call the engine; nothing else."""

from __future__ import annotations

from datetime import timedelta

import django_rq

from accounts.models import ReplicationRun

from . import engine

QUEUE = "replication"


def job_id(run_id, attempt: int = 0) -> str:
    """The RQ job id of a run's attempt: the run's own UUID, then `<uuid>.<attempt>`."""
    return str(run_id) if attempt == 0 else f"{run_id}.{attempt}"


def enqueue(run: ReplicationRun) -> None:
    """Queue the run now (call after the transaction that created it has committed)."""
    django_rq.get_queue(QUEUE).enqueue(run_replication, str(run.pk), job_id=job_id(run.pk))


def schedule_again(run: ReplicationRun, delay: timedelta) -> None:
    """Queue the run's next attempt after `delay` (a worker with --with-scheduler runs it)."""
    django_rq.get_queue(QUEUE).enqueue_in(
        delay, run_replication, str(run.pk), job_id=job_id(run.pk, run.attempt)
    )


def run_replication(run_id: str) -> str | None:
    """Job: run (or continue) replication run `run_id`."""
    return engine.execute(run_id, schedule=schedule_again)
