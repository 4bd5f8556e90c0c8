"""The daily digest: per platform with a contact that asked for it, its failing and retrying
accounts and the retirements waiting for approval."""

from __future__ import annotations

from accounts.models import AccountRetirement, ProjectAccount
from platforms.models import PlatformInstance

from . import messages, services

Status = ProjectAccount.Status


def digest_message(platform: PlatformInstance) -> messages.Message:
    """Today's digest of `platform`."""
    managed = ProjectAccount.objects.filter(platform=platform, deleted_at__isnull=True)
    troubled = list(
        managed.filter(status__in=[Status.FAILED, Status.RETRYING])
        .select_related("project__customer")
        .order_by("project__customer__identifier", "project__identifier")
    )
    pending = list(
        AccountRetirement.objects.filter(
            account__platform=platform, decision=AccountRetirement.Decision.PENDING
        )
        .select_related("account__project__customer")
        .order_by("requested_at")
    )
    return messages.daily_digest(
        platform,
        failed=[account for account in troubled if account.status == Status.FAILED],
        retrying=[account for account in troubled if account.status == Status.RETRYING],
        pending=pending,
        managed=managed.count(),
    )


def send_daily_digests() -> int:
    """Cron job: queue the digest of every platform a contact asked it for; returns how many
    deliveries were queued."""
    platforms = (
        PlatformInstance.objects.filter(notification_contacts__daily_digest=True)
        .select_related("location")
        .distinct()
        .order_by("pk")
    )
    return sum(
        len(services.notify(platform=platform, message=digest_message(platform)))
        for platform in platforms
    )
