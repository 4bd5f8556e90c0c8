"""The periodic jobs of notifications, for `manage.py rqcron notifications.cron` (a `make run`
process beside replication's)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rq import cron

from . import jobs
from .digest import send_daily_digests
from .models import NotificationDelivery

# Beyond the longest wait between two attempts: a queued delivery untouched for longer than
# this has lost its job (Redis restarted, or was down when it was queued).
GRACE = timedelta(minutes=10)


def sweep_deliveries() -> int:
    """Cron job: queue again the deliveries whose job was lost; returns how many."""
    longest = max(settings.MESHAWS_NOTIFICATION_RETRY_SECONDS, default=0)
    now = timezone.now()
    lost = NotificationDelivery.objects.filter(
        status=NotificationDelivery.Status.QUEUED,
        updated_at__lt=now - timedelta(seconds=longest) - GRACE,
    ).values_list("pk", flat=True)
    count = 0
    for delivery_id in lost:
        jobs.enqueue(delivery_id, suffix=f"_sweep_{int(now.timestamp())}")
        count += 1
    return count


cron.register(send_daily_digests, "default", cron="0 7 * * *", name="daily notification digest")
cron.register(sweep_deliveries, "default", interval=600, name="sweep notification deliveries")
