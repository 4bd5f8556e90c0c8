"""Scan a platform's AWS organization for accounts no project account manages."""

from django.core.management.base import BaseCommand, CommandError

import aws
from platforms.secrets import SecretUnreadable
from platforms.selectors import platform_by_full_identifier
from replication.discovery import discovery_run


class Command(BaseCommand):
    help = (
        "List every account of the platform's organization and record those no project "
        "account manages (the platform's Unmanaged accounts page)."
    )

    def add_arguments(self, parser):
        parser.add_argument("platform", help="PLATFORM.LOCATION")

    def handle(self, *args, platform, **options):
        found = platform_by_full_identifier(platform)
        if found is None:
            raise CommandError(f"no platform {platform!r} (give it as PLATFORM.LOCATION)")
        try:
            result = discovery_run(platform=found, actor=None)
        except aws.AwsError as error:
            raise CommandError(f"discovery failed: {error}") from None
        except SecretUnreadable:
            raise CommandError("the platform's stored secrets cannot be decrypted") from None
        self.stdout.write(
            f"{found.full_identifier}: {result.accounts} account(s) in the organization, "
            f"{result.unmanaged} unmanaged ({result.new} new, {result.gone} no longer listed)"
        )
