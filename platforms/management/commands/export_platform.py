"""Write a platform's record as JSON (no secret values) to standard output or a file."""

from django.core.management.base import BaseCommand, CommandError

from platforms.importing import export_platform_json
from platforms.selectors import platform_by_full_identifier


class Command(BaseCommand):
    help = "Export PLATFORM.LOCATION as JSON; secrets appear as fingerprints only."

    def add_arguments(self, parser):
        parser.add_argument("platform", help="PLATFORM.LOCATION, e.g. aws-prod.eu")
        parser.add_argument("--output", "-o", help="write to this file instead of stdout")

    def handle(self, *args, platform, output, **options):
        found = platform_by_full_identifier(platform)
        if found is None:
            raise CommandError(f"no platform {platform!r} (give it as PLATFORM.LOCATION)")
        text = export_platform_json(found)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")
