"""Re-encrypt every stored secret under the newest MESHAWS_ENCRYPTION_KEYS key."""

from django.core.management.base import BaseCommand, CommandError

from platforms.secrets import SecretUnreadable
from platforms.services import platforms_rotate_secrets


class Command(BaseCommand):
    help = (
        "After putting a new key first in MESHAWS_ENCRYPTION_KEYS, re-encrypt every stored "
        "secret with it; then the old key can be removed."
    )

    def handle(self, *args, **options):
        try:
            rotated = platforms_rotate_secrets(actor=None)
        except SecretUnreadable as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"{rotated} secret(s) re-encrypted"))
