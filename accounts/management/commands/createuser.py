"""Create a staff user with one role, optionally with an API token."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.roles import GROUP_OF_ROLE
from accounts.services import api_token_create, staff_user_create


def validation_message(error: ValidationError) -> str:
    """One line per refused field: 'field: reason'."""
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(message for e in errors for message in e.messages)}"
            for field, errors in error.error_dict.items()
        )
    return " ".join(error.messages)


class Command(BaseCommand):
    help = "Create a user with the role operator, support or auditor."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=list(GROUP_OF_ROLE))
        parser.add_argument(
            "--password", help="the user's password (default: a generated one, printed once)"
        )
        parser.add_argument(
            "--token", action="store_true", help="also create an API token (printed last)"
        )

    def handle(self, *args, username, role, password, token, **options):
        try:
            user, used_password = staff_user_create(
                username=username, role=role, password=password, actor=None
            )
        except ValidationError as error:
            raise CommandError(validation_message(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Created {role} {username!r}."))
        if password is None:
            self.stdout.write(f"Password: {used_password}")
        if token:
            self.stdout.write("API token:")
            self.stdout.write(api_token_create(user=user, actor=None))
