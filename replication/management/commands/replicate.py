"""Request replication of some, a platform's, or all project accounts."""

from django.core.management.base import BaseCommand, CommandError

from accounts.selectors import project_accounts
from platforms.selectors import platform_by_full_identifier
from replication.models import ReplicationRun
from replication.services import request_replication


class Command(BaseCommand):
    help = (
        "Queue a replication run for the given project accounts (their id in meshaws or their "
        "12-digit AWS account id), for every account of a platform, or for all accounts."
    )

    def add_arguments(self, parser):
        parser.add_argument("accounts", nargs="*", help="project account ids or AWS account ids")
        parser.add_argument("--platform", help="every account of PLATFORM.LOCATION")
        parser.add_argument("--all", action="store_true", help="every live account")

    def handle(self, *args, accounts, platform, all, **options):
        if not (accounts or platform or all):
            raise CommandError("name accounts, --platform PLATFORM.LOCATION, or --all")
        selected = project_accounts()
        if platform:
            found = platform_by_full_identifier(platform)
            if found is None:
                raise CommandError(f"no platform {platform!r} (give it as PLATFORM.LOCATION)")
            selected = selected.filter(platform=found)
        if accounts:
            chosen = []
            for given in accounts:
                key = {"aws_account_id": given} if len(given) == 12 else {"pk": given}
                if not given.isdigit():
                    raise CommandError(f"{given!r} is neither an account id nor an AWS account id")
                account = selected.filter(**key).first()
                if account is None:
                    raise CommandError(f"no live project account {given}")
                chosen.append(account)
        else:
            chosen = list(selected)
        for account in chosen:
            run, created = request_replication(
                account=account, trigger=ReplicationRun.Trigger.COMMAND, actor=None
            )
            joined = "queued" if created else "joined the run in progress"
            self.stdout.write(f"{account}: {joined} ({run.pk})")
        self.stdout.write(self.style.SUCCESS(f"{len(chosen)} account(s)"))
