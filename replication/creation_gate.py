"""The creation gate: how many accounts an AWS organization is creating, and who goes next.

AWS creates at most 5 accounts at a time per organization. Every platform on one organization
(platforms.organizations) shares that organization's gate; the lowest
accountCreationConcurrency among them is its limit. The protocol:

1. **Slots in flight.** A slot is held by every live account of the gate's platforms whose
   CreateAccount was called (`create_request_id` set) and whose creation has not ended
   (`aws_account_id` still empty). The database is the only counter: nothing to leak when a
   worker dies.
2. **Checking and taking a slot.** The `account` step (`steps/creation.py`) first checks the
   gate without locks (`creations_in_flight`), so a queued account costs no AWS call. To
   create, it locks the rows of the organization's platforms in pk order
   (`platforms.organizations.lock_organization_platforms`), checks the gate again, calls
   CreateAccount and stores the request id before the locks are released: two workers, on one
   platform or two of one organization, take turns.
3. **Queued runs.** A run that finds the gate full waits *in line* (`StepWaiting(queued=True)`,
   which the engine turns into a `Waiting(in_line=True)` outcome): it is parked with a re-check
   in `QUEUED_RECHECK` (only a safety net) and the wait never counts towards giving up
   (`ReplicationRun.waits_in_line`).
4. **Waking.** When a creation ends (or a queued run has just parked, in case a slot freed
   meanwhile) the engine calls `start_queued_creations`, which wakes the oldest queued runs,
   one per free slot. Runs already on their way to the gate count as taking a slot first:
   woken runs not started yet, and running ones before their CreateAccount. A run is marked
   due now by compare-and-set on its due time *before* it is woken, so two creations ending
   together wake it once, and the sweep re-queues it if the wake-up job is lost.
5. **Hand-off.** The worker whose creation ended runs the first woken run's attempt itself,
   in the same job, up to its CreateAccount (engine `_start`); the others are queued at the
   front. Hand-offs never nest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from accounts.models import ProjectAccount
from platforms.models import PlatformInstance
from platforms.organizations import organization_platforms

from .models import ReplicationRun

# AWS creates at most 5 accounts at a time per organization (Organizations quotas, "number of
# accounts that you can concurrently create"). The platforms of one organization share these
# slots; the lowest accountCreationConcurrency among them lowers the limit for all of them.
AWS_CONCURRENT_CREATIONS = 5
# A woken run is due "now" by its waker's clock; runs due within this margin count as woken.
WAKE_MARGIN = timedelta(seconds=30)
# A queued account is woken when a creation of its organization ends (start_queued_creations);
# this re-check only covers a wake-up that never came (a lost job, a raised limit).
QUEUED_RECHECK = timedelta(minutes=5)


@dataclass(frozen=True)
class CreationGate:
    """The platforms that share one organization's creation slots, and how many there are."""

    platform_ids: tuple[int, ...]
    limit: int
    name: str


def creation_gate(
    platform: PlatformInstance, members: list[PlatformInstance] | None = None
) -> CreationGate:
    """The creation gate `platform` is behind: its organization's (or, unread, its role's)."""
    members = members if members is not None else organization_platforms(platform)
    limit = min([AWS_CONCURRENT_CREATIONS, *(m.account_creation_concurrency for m in members)])
    organization = platform.known_organization_id
    name = f"organization {organization}" if organization else f"{platform.full_identifier}"
    return CreationGate(tuple(member.pk for member in members), limit, name)


def creations_in_flight(platform_ids: Iterable[int]) -> int:
    """Accounts of these platforms whose CreateAccount was called and has not ended yet."""
    return (
        ProjectAccount.objects.filter(
            platform_id__in=list(platform_ids), aws_account_id__isnull=True,
            deleted_at__isnull=True,
        )
        .exclude(create_request_id="")
        .count()
    )  # fmt: skip


def start_queued_creations(platform_id: int, wake, *, caller_account_id=None) -> int:
    """Wake the oldest queued runs behind the platform's gate, one per free slot; how many.

    The gate is the platform's organization's: a creation ending on one platform frees a
    slot for every platform of the organization. Called when a creation has ended (or a
    queued run has just parked). `wake(run)` starts the run's next attempt. A run is marked
    due now before it is woken, so that no run is woken twice and the sweep re-queues it if
    the wake-up job is lost.
    """
    platform = PlatformInstance.objects.select_related("location").filter(pk=platform_id).first()
    if platform is None:
        return 0
    gate = creation_gate(platform)
    now = timezone.now()
    # Runs of the gate's live accounts whose creation has not started.
    before_creation = ReplicationRun.objects.filter(
        account__platform_id__in=gate.platform_ids, account__aws_account_id__isnull=True,
        account__create_request_id="", account__deleted_at__isnull=True,
    )  # fmt: skip
    # Runs on their way to the gate will take a slot first: woken ones not started yet, and
    # running ones before their CreateAccount. Waking more would only queue them again.
    on_their_way = (
        before_creation.filter(
            Q(status=ReplicationRun.Status.RUNNING)
            | Q(status=ReplicationRun.Status.WAITING, next_attempt_at__lte=now + WAKE_MARGIN)
        )
        .exclude(account_id=caller_account_id)
        .count()
    )  # fmt: skip
    free = gate.limit - creations_in_flight(gate.platform_ids) - on_their_way
    if free <= 0:
        return 0
    # A run woken by another worker is due "now" by that worker's clock: the margin keeps it
    # out of these candidates even if the clocks (or the two calls) are seconds apart.
    candidates = before_creation.filter(
        status=ReplicationRun.Status.WAITING, next_attempt_at__gt=now + WAKE_MARGIN
    ).order_by("created_at")[: free * 2]
    woken = 0
    for run in candidates:
        # Compare-and-set on the due time read: of two creations ending together, only one
        # marks (and wakes) a given run.
        marked = ReplicationRun.objects.filter(
            pk=run.pk, attempt=run.attempt, status=ReplicationRun.Status.WAITING,
            next_attempt_at=run.next_attempt_at,
        ).update(next_attempt_at=now)  # fmt: skip
        if marked:
            wake(run)
            woken += 1
            if woken == free:
                break
    return woken
