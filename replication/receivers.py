"""Runs asked for by the apps below: a platform or project changed, an account was created.
And, when a platform switches access mode, the list of what the old mode leaves behind."""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import receiver

from accounts.models import ProjectAccount
from accounts.signals import accounts_changed
from platforms.signals import platform_change_previewed, platform_changed
from replication.expiry import schedule_expiry_runs
from replication.impact import Impact, impact_of
from replication.left_behind import left_behind_update
from replication.models import ReplicationRun
from replication.services import request_replication_of_many

logger = logging.getLogger(__name__)


@receiver(accounts_changed, dispatch_uid="replication-accounts-changed")
def replicate_changed_accounts(*, accounts, reason: str, actor, cause=None, **kwargs) -> None:
    """Request a run of each account, triggered by the change's reason and caused by its audit
    event; in Identity Center mode, schedule one at each expiry of the project's bindings too
    (after commit)."""
    runs = request_replication_of_many(
        accounts=accounts, trigger=ReplicationRun.Trigger(reason), actor=actor, cause=cause
    )
    account_ids = [run.account_id for run in runs]
    if account_ids:
        transaction.on_commit(lambda: _schedule_expiries(account_ids))


def _schedule_expiries(account_ids: list[int]) -> None:
    """schedule_expiry_runs, whose failure leaves the change saved and the sweep to catch up."""
    try:
        schedule_expiry_runs(account_ids)
    except Exception:
        logger.exception("could not schedule the binding expiries of accounts %s", account_ids)


@receiver(platform_change_previewed, dispatch_uid="replication-platform-preview")
def preview_platform_change(*, platform, before, after, **kwargs) -> Impact | None:
    """The accounts a platform change would affect, or None if it affects none."""
    impact = impact_of(platform, before, after)
    return impact if impact.count else None


@receiver(platform_changed, dispatch_uid="replication-platform-changed")
def replicate_affected_accounts(*, platform, before, after, cause=None, **kwargs) -> None:
    """Re-render the affected accounts' names and request a run of exactly those accounts,
    caused by the change's audit event."""
    impact = impact_of(platform, before, after)
    for pk, names in impact.new_names.items():
        ProjectAccount.objects.filter(pk=pk).update(**names)
    request_replication_of_many(
        accounts=impact.accounts.values(),
        trigger=ReplicationRun.Trigger.CONFIGURATION_CHANGED,
        actor=None,
        cause=cause,
    )


@receiver(platform_changed, dispatch_uid="replication-platform-mode-changed")
def note_what_the_old_mode_left(*, platform, before, after, **kwargs) -> None:
    """On a switch of access mode, list what the old mode made for each account (never deleted)."""
    left_behind_update(platform=platform, before=before, after=after)
