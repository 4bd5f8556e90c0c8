"""Reads of the platforms app, with their related rows fetched once."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import LandingZone, Location, PlatformInstance, RoleMapping


def platforms_with_configuration() -> QuerySet[PlatformInstance]:
    """Platforms with their location, role mappings and landing zones (and theirs) prefetched."""
    return PlatformInstance.objects.select_related("location").prefetch_related(
        Prefetch("role_mappings", queryset=RoleMapping.objects.order_by("position")),
        Prefetch(
            "landing_zones",
            queryset=LandingZone.objects.order_by("position").prefetch_related(
                Prefetch("role_mappings", queryset=RoleMapping.objects.order_by("position"))
            ),
        ),
    )


def platform_by_full_identifier(full_identifier: str) -> PlatformInstance | None:
    """The platform named `<platform>.<location>`, or None."""
    identifier, _, location = full_identifier.partition(".")
    return (
        platforms_with_configuration()
        .filter(identifier=identifier, location__identifier=location)
        .first()
    )


def platform_list() -> QuerySet[PlatformInstance]:
    """Every platform for the list page, one query."""
    return PlatformInstance.objects.select_related("location").order_by(
        "location__identifier", "identifier"
    )


def location_list() -> QuerySet[Location]:
    """Every location."""
    return Location.objects.order_by("identifier")
