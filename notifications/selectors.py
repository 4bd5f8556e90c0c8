"""The reads of the notifications pages and API."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import NotificationContact, NotificationDelivery

RECENT_DELIVERIES = 20


def platform_contacts(platform) -> QuerySet[NotificationContact]:
    """The contacts of `platform`, e-mail addresses first."""
    return NotificationContact.objects.filter(platform=platform).order_by("kind", "address")


def recent_deliveries(platform, limit: int = RECENT_DELIVERIES) -> list[NotificationDelivery]:
    """The latest deliveries of `platform`, newest first."""
    return list(NotificationDelivery.objects.filter(platform=platform)[:limit])
