"""Create or update a platform from a JSON or Dhall file (configuration as code)."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from platforms.importing import ImportRefused, import_platform_text


class Command(BaseCommand):
    help = (
        "Import a platform record (JSON, or Dhall with the dhall extra). Idempotent: importing "
        "the same file again changes nothing. An invalid file changes nothing and every error "
        "is listed with its path."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .json or .dhall file")
        parser.add_argument("--location", help="the location's identifier (created if missing)")
        parser.add_argument("--reason", default="", help="why, for the audit log")

    def handle(self, *args, file, location, reason, **options):
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {file}: {error}") from None
        try:
            result = import_platform_text(
                text,
                filename=path.name,
                location=location,
                actor=None,
                reason=reason,
                environ=os.environ,
            )
        except ImportRefused as refused:
            raise CommandError(
                f"{file} was not imported; nothing changed:\n  " + "\n  ".join(refused.lines)
            ) from None
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(f"warning: {warning}"))
        self.stdout.write(self.style.SUCCESS(result.summary))
