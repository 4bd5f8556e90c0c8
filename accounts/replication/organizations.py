"""Which platforms share one AWS organization, and the creation slots they share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from accounts.models import ProjectAccount, ReplicationRun
from platforms.models import PlatformInstance

# AWS creates at most 5 accounts at a time per organization (Organizations quotas, "number of
# accounts that you can concurrently create"). The platforms of one organization share these
# slots; the lowest accountCreationConcurrency among them lowers the limit for all of them.
AWS_CONCURRENT_CREATIONS = 5
# A woken run is due "now" by its waker's clock; runs due within this margin count as woken.
WAKE_MARGIN = timedelta(seconds=30)


def _links(platform: PlatformInstance) -> set[tuple[str, str]]:
    links = {("destination", platform.organization_destination)}
    if platform.known_organization_id:
        links.add(("organization", platform.known_organization_id))
    return links


def organization_platforms(platform: PlatformInstance) -> list[PlatformInstance]:
    """The platforms on `platform`'s AWS organization (itself included), in pk order.

    Two platforms are on one organization when their organization ids, as read, are equal,
    or when they assume the same management role at the same endpoint (one role is in one
    organization): the latter also covers platforms whose id has not been read yet.
    """
    everyone = PlatformInstance.objects.select_related("location").order_by("pk")
    others = [other for other in everyone if other.pk != platform.pk]
    members, links = [platform], _links(platform)
    grown = True
    while grown:  # platforms linked through a platform already found are on it too
        grown = False
        for other in others:
            if other not in members and _links(other) & links:
                members.append(other)
                links |= _links(other)
                grown = True
    return sorted(members, key=lambda member: member.pk)


def lock_organization_platforms(
    platform: PlatformInstance, members: list[PlatformInstance] | None = None
) -> list[PlatformInstance]:
    """Lock the rows of the platforms on `platform`'s organization, in pk order; them, fresh.

    Inside a transaction. Whoever counts the organization's creations or account names and
    then adds one holds these locks, so two platforms of one organization take turns.
    `members`: the organization's platforms as just read (organization_platforms), if known.
    """
    locked: dict[int, PlatformInstance] = {}
    wanted = members if members is not None else organization_platforms(platform)
    while not {member.pk for member in wanted} <= set(locked):
        rows = PlatformInstance.objects.select_for_update().filter(
            pk__in=[member.pk for member in wanted]
        )
        fresh = {row.pk: row for row in rows.order_by("pk")}
        if set(fresh) <= set(locked):
            break  # what is missing was deleted meanwhile
        locked.update(fresh)
        # A platform may have joined the organization while we waited for the locks.
        wanted = organization_platforms(locked.get(platform.pk, platform))
    return [locked[member.pk] for member in wanted if member.pk in locked]


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
