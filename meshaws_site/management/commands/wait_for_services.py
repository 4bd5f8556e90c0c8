"""Wait until Redis answers; `make run` starts the web server and worker only after it."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from meshaws_site import embedded_redis


class Command(BaseCommand):
    help = "Block until the Redis at REDIS_URL answers PING."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=60.0, help="seconds (default 60)")

    def handle(self, *args, timeout: float, **options):
        try:
            embedded_redis.wait_until_ready(settings.REDIS_URL, timeout=timeout)
        except TimeoutError as error:
            raise CommandError(str(error)) from None
