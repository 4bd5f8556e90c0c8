"""Which platforms share one AWS organization, and locking them together."""

from __future__ import annotations

from .models import PlatformInstance


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
