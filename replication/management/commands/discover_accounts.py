"""Scan a platform's AWS organization for accounts no project account manages."""

from django.core.management.base import BaseCommand, CommandError

from platforms.selectors import platform_by_full_identifier
from replication.models import DiscoveryScan
from replication.scans import ScanInProgress, scan_now


class Command(BaseCommand):
    help = (
        "List every account of the platform's organization and record those no project "
        "account manages (the platform's Unmanaged accounts page). Runs here, not in a worker; "
        "recorded as a scan like the page's."
    )

    def add_arguments(self, parser):
        parser.add_argument("platform", help="PLATFORM.LOCATION")

    def handle(self, *args, platform, **options):
        found = platform_by_full_identifier(platform)
        if found is None:
            raise CommandError(f"no platform {platform!r} (give it as PLATFORM.LOCATION)")
        try:
            scan, result = scan_now(platform=found, actor=None)
        except ScanInProgress as busy:
            raise CommandError(f"{found.full_identifier}: {busy}; wait for it to end") from None
        if scan.status != DiscoveryScan.Status.SUCCEEDED or result is None:
            raise CommandError(f"discovery failed: {scan.error}")
        self.stdout.write(
            f"{found.full_identifier}: {result.accounts} account(s) in the organization, "
            f"{result.unmanaged} unmanaged ({result.new} new, {result.gone} no longer listed)"
        )
