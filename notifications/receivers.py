"""What notifications hears from the apps below it, turned into deliveries (services.notify).

A receiver never raises: a lost notification must not fail the run, check or request that
sent the signal. notify() is atomic, so a database error rolls back only its own savepoint.
"""

from __future__ import annotations

import logging

from django.dispatch import receiver

from accounts.models import ProjectAccount
from accounts.signals import retirement_needs_approval
from platforms import secrets
from platforms.signals import connection_check_failed, secrets_rotating
from replication.signals import account_status_changed

from . import messages, services
from .models import NotificationContact

logger = logging.getLogger(__name__)
Status = ProjectAccount.Status
RECOVERED = (Status.READY, Status.READY_WITH_WARNINGS)


def _notify(platform, build, *args) -> None:
    try:
        services.notify(platform=platform, message=build(*args))
    except Exception:
        logger.exception("notifications for %s could not be recorded", platform)


@receiver(account_status_changed, dispatch_uid="notifications-account-status")
def on_account_status_changed(sender, account, old, new, run=None, **kwargs) -> None:
    """An account that starts failing, or recovers from failing, is news to its platform."""
    if new == Status.FAILED and old != Status.FAILED:
        _notify(account.platform, messages.account_failed, account, run)
    elif old == Status.FAILED and new in RECOVERED:
        _notify(account.platform, messages.account_recovered, account, run)


@receiver(connection_check_failed, dispatch_uid="notifications-connection-check")
def on_connection_check_failed(sender, platform, failures, **kwargs) -> None:
    """A connection check with failing checks."""
    _notify(platform, messages.connection_check_failed, platform, failures)


@receiver(retirement_needs_approval, dispatch_uid="notifications-retirement")
def on_retirement_needs_approval(sender, retirement, account, **kwargs) -> None:
    """A retirement request that waits for a second operator."""
    _notify(account.platform, messages.retirement_needs_approval, retirement, account)


@receiver(secrets_rotating, dispatch_uid="notifications-rotate-secrets")
def on_secrets_rotating(sender, **kwargs) -> int:
    """Re-encrypt the webhook signing secrets under the newest key (inside the rotation's
    transaction: unlike the others, this receiver may raise, and the rotation fails)."""
    rotated = 0
    for contact in NotificationContact.objects.exclude(secret_ciphertext="").select_for_update():
        contact.secret_ciphertext = secrets.rotate(contact.secret_ciphertext)
        contact.secret_fingerprint = secrets.fingerprint(secrets.decrypt(contact.secret_ciphertext))
        contact.save(update_fields=["secret_ciphertext", "secret_fingerprint"])
        rotated += 1
    return rotated
