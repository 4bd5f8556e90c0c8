"""Adopt the AWS accounts of a CSV file into project accounts of a platform, all or none."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from platforms.selectors import platform_by_full_identifier
from replication import adoption


class Command(BaseCommand):
    help = (
        f"Adopt existing AWS accounts of the platform's organization, one a line of the CSV "
        f"file: {adoption.CSV_COLUMNS} (an optional header line). Every line is checked first "
        "(the account in the organization and ACTIVE, not managed yet, the project exists); "
        "one wrong line refuses the whole file, with the errors by line."
    )

    def add_arguments(self, parser):
        parser.add_argument("platform", help="PLATFORM.LOCATION")
        parser.add_argument("file", type=Path, help="the CSV file")

    def handle(self, *args, platform, file, **options):
        found = platform_by_full_identifier(platform)
        if found is None:
            raise CommandError(f"no platform {platform!r} (give it as PLATFORM.LOCATION)")
        try:
            with file.open("rb") as stream:
                data = stream.read(adoption.MAX_CSV_BYTES + 1)
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from None
        try:
            parsed, unreadable = adoption.adoptions_from_csv(data)
            accounts = adoption.accounts_adopt(
                platform=found, adoptions=parsed, actor=None, source="command",
                refused=unreadable,
            )  # fmt: skip
        except adoption.AdoptionRefused as refused:
            lines = "\n".join(f"  {error}" for error in refused.errors)
            raise CommandError(f"{file} refused, nothing was adopted:\n{lines}") from None
        for account in accounts:
            self.stdout.write(
                f"adopted {account.aws_account_id} into {account.project.full_identifier}"
            )
        self.stdout.write(f"{len(accounts)} account(s) adopted; their replication runs are queued")
