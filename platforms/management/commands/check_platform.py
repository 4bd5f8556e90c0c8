"""Check that meshaws can reach a platform's AWS organization as configured."""

from django.core.management.base import BaseCommand, CommandError

from platforms.connection import Check, check_platform
from platforms.selectors import platform_by_full_identifier
from platforms.signals import report_connection_check


def check_line(check: Check) -> str:
    """One check as one line: PASS/FAIL, name, detail, AWS error code, what to fix."""
    line = f"{'PASS' if check.passed else 'FAIL'}  {check.name}: {check.detail}"
    if check.aws_error_code:
        line += f" [{check.aws_error_code}]"
    if check.fix:
        line += f" -- fix: {check.fix}"
    return line


class Command(BaseCommand):
    help = (
        "Check PLATFORM.LOCATION's roles, organization, landing-zone OUs and StackSets; "
        "exits non-zero when a check fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("platform", help="PLATFORM.LOCATION, e.g. aws-prod.eu")

    def handle(self, *args, platform, **options):
        found = platform_by_full_identifier(platform)
        if found is None:
            raise CommandError(f"no platform {platform!r} (give it as PLATFORM.LOCATION)")
        checks = check_platform(found)
        report_connection_check(found, checks)
        for check in checks:
            self.stdout.write(check_line(check))
        failed = sum(not check.passed for check in checks)
        if failed:
            raise CommandError(f"{failed} of {len(checks)} checks failed for {platform}")
        self.stdout.write(f"all {len(checks)} checks passed for {platform}")
