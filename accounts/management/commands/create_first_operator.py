"""Make sure an operator exists; create the first one and print its credentials once."""

import os

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.management.commands.createuser import validation_message
from accounts.roles import GROUP_OF_ROLE, OPERATOR
from accounts.services import staff_user_create


class Command(BaseCommand):
    help = (
        "Create the first operator (MESHAWS_ADMIN_USERNAME, default 'admin'; password from "
        "MESHAWS_ADMIN_PASSWORD or generated and printed once) unless an operator exists."
    )

    def handle(self, *args, **options):
        User = get_user_model()
        existing = User.objects.filter(groups__name=GROUP_OF_ROLE[OPERATOR]).order_by("pk").first()
        if existing is not None:
            self.stdout.write(f"Operator {existing.get_username()!r} exists; sign in with it.")
            return
        username = os.environ.get("MESHAWS_ADMIN_USERNAME", "admin")
        password = os.environ.get("MESHAWS_ADMIN_PASSWORD") or None
        try:
            _, used_password = staff_user_create(
                username=username, role=OPERATOR, password=password, actor=None
            )
        except ValidationError as error:
            raise CommandError(validation_message(error)) from None
        self.stdout.write(self.style.SUCCESS(f"First operator: {username}"))
        if password is None:
            self.stdout.write(f"Password: {used_password}   (shown this once; keep it)")
        else:
            self.stdout.write("Password: the value of MESHAWS_ADMIN_PASSWORD")
