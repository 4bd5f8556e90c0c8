"""Importing a platform file: shared by `manage.py import_platform` and the upload page."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from . import config_io, selectors, services
from .models import Location, PlatformInstance


class ImportRefused(Exception):
    """A file that was not imported; `lines` lists every reason (`path: message`)."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


@dataclass(frozen=True)
class ImportResult:
    """What an import did, with any warnings about the configuration."""

    applied: services.PlatformApplied
    warnings: tuple[str, ...]

    @property
    def summary(self) -> str:
        platform = self.applied.platform.full_identifier
        if self.applied.created:
            return f"created platform {platform}"
        return f"updated platform {platform}" if self.applied.changed else f"{platform} unchanged"


def _resolve_location(identifier: str | None, platform: str, actor) -> Location:
    if identifier:
        location = Location.objects.filter(identifier=identifier).first()
        if location is None:
            try:
                location = services.location_create(
                    identifier=identifier, display_name=identifier, actor=actor
                )
            except ValidationError as error:
                raise ImportRefused([f"--location: {' '.join(error.messages)}"]) from None
        return location
    holders = list(Location.objects.filter(platforms__identifier=platform).distinct()[:2])
    if len(holders) == 1:
        return holders[0]
    every = list(Location.objects.all()[:2])
    if len(every) == 1 and not holders:
        return every[0]
    raise ImportRefused(["location: give the location to import into (--location L)"])


@transaction.atomic
def import_platform_text(
    text: str,
    *,
    filename: str,
    location: str | None,
    actor: AbstractBaseUser | None,
    reason: str = "",
    environ=None,
) -> ImportResult:
    """Parse, validate and apply a platform file; nothing changes when anything is wrong."""
    try:
        data = config_io.load_record_text(text, filename=filename)
    except config_io.RecordFileError as error:
        raise ImportRefused([str(error)]) from None
    platform_identifier = data.get("platform") if isinstance(data, dict) else None
    target = _resolve_location(location, platform_identifier or "", actor)
    stored_platform = None
    if isinstance(platform_identifier, str):
        stored_platform = (
            selectors.platforms_with_configuration()
            .filter(location=target, identifier=platform_identifier)
            .first()
        )
    stored = config_io.record_of(stored_platform) if stored_platform else None
    try:
        record = config_io.parse_record(data, stored=stored, environ=environ)
    except config_io.RecordInvalid as invalid:
        raise ImportRefused(invalid.lines()) from None
    try:
        applied = services.platform_apply(
            location=target, record=record, actor=actor, reason=reason
        )
    except services.PlatformInUse as error:
        raise ImportRefused([str(error)]) from None
    except config_io.RecordInvalid as invalid:  # the platform changed since it was read
        raise ImportRefused(invalid.lines()) from None
    return ImportResult(applied=applied, warnings=record.warnings)


def export_platform_json(platform: PlatformInstance) -> str:
    """The platform's record as JSON, without any secret value."""
    return config_io.dump_json(config_io.record_of(platform))
