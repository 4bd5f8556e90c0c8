"""The RQ entry points of notifications: queue a delivery, send it; nothing else."""

from __future__ import annotations

import logging

import django_rq
from django.conf import settings
from django.db import close_old_connections
from redis.exceptions import RedisError
from rq import Retry

from . import sending

logger = logging.getLogger(__name__)
# The queue of the periodic jobs: a backlog of replication runs does not hold messages up.
QUEUE = "default"
JOB_TIMEOUT = 120


def _retry() -> Retry | None:
    intervals = list(settings.MESHAWS_NOTIFICATION_RETRY_SECONDS)
    return Retry(max=len(intervals), interval=intervals) if intervals else None


def enqueue(delivery_id, suffix: str = "") -> None:
    """Queue the sending of a delivery (after the transaction that recorded it committed)."""
    try:
        django_rq.get_queue(QUEUE).enqueue(
            deliver, str(delivery_id), job_id=f"{delivery_id}{suffix}", retry=_retry(),
            job_timeout=JOB_TIMEOUT,
        )  # fmt: skip
    except RedisError:
        # The event already happened and is recorded: the sweep (cron.py) queues it later.
        logger.warning("delivery %s not queued: Redis is unavailable", delivery_id)


def deliver(delivery_id: str) -> str | None:
    """Job: one attempt to send delivery `delivery_id`; raises to have RQ retry it later."""
    close_old_connections()
    try:
        return sending.delivery_attempt(delivery_id)
    finally:
        close_old_connections()
