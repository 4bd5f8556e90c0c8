"""Fixtures of the reliability tests: a Redis of the test's own, and real worker processes."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import aws
from meshaws_site import embedded_redis
from tests.replication.test_worker import database_url


class OwnRedis:
    """An embedded Redis on a socket of its own that keeps nothing on disk; restartable."""

    def __init__(self, socket: Path):
        self.socket = socket
        self.url = f"unix://{socket}?db=0"
        self.process = embedded_redis.start(socket)

    def restart(self) -> None:
        """Stop the server and start an empty one on the same socket: its jobs are gone."""
        embedded_redis.stop(self.process)
        self.process = embedded_redis.start(self.socket)

    def stop(self) -> None:
        embedded_redis.stop(self.process)


@pytest.fixture
def own_redis(settings):
    """A Redis for this test alone, used by the test process and the workers it starts."""
    folder = Path(tempfile.mkdtemp(prefix="meshaws-reliability-"))  # short: a socket path
    redis = OwnRedis(folder / "redis.sock")
    settings.REDIS_URL = redis.url
    # django-rq builds its connection from RQ_QUEUES on every get_queue(): no cache to clear.
    settings.RQ_QUEUES = {
        name: {**config, "URL": redis.url} for name, config in settings.RQ_QUEUES.items()
    }
    try:
        yield redis
    finally:
        redis.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_aws_caches():
    aws.forget_credentials()
    yield
    aws.forget_credentials()


def run_worker(redis_url: str, settings_module: str = "meshaws_site.test_settings", **env: str):
    """A burst worker process, as `make run` starts one, on the test database and `redis_url`."""
    return subprocess.run(
        [sys.executable, "manage.py", "rqworker", "--burst", "--with-scheduler",
         "--worker-class", "rq.worker.SimpleWorker", "replication", "default"],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": settings_module,
             "DATABASE_URL": database_url(), "REDIS_URL": redis_url, **env},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


from tests.replication.conftest import enable, project, sandbox_platform, sandbox_state  # noqa: E402,F401
