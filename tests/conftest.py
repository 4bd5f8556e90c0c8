"""Fixtures shared by the whole suite: the embedded Redis, personas, the sandbox emulator."""

import socket
import subprocess

import pytest
from django.conf import settings

from accounts.roles import AUDITOR, OPERATOR, SUPPORT
from accounts.services import staff_user_create
from meshaws_site import embedded_redis
from sandbox import emulator, strict_emulator

# Before the emulator creates any account (see ../shared/testing/stack-notes.md).
emulator.prepare_emulator_process()

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="session", autouse=True)
def _embedded_redis_for_tests():
    """Without REDIS_URL, the suite runs against the embedded Redis on a socket of its own."""
    if not settings.EMBEDDED_TEST_REDIS:
        yield
        return
    process = embedded_redis.start(settings.TEST_REDIS_SOCKET)
    try:
        yield
    finally:
        embedded_redis.stop(process)


def _staff(username: str, role: str | None):
    if role is None:
        from django.contrib.auth import get_user_model

        return get_user_model().objects.create_user(username=username, password=PASSWORD)
    user, _ = staff_user_create(username=username, role=role, password=PASSWORD, actor=None)
    return user


@pytest.fixture
def alice(db):
    """An operator."""
    return _staff("alice", OPERATOR)


@pytest.fixture
def bob(db):
    """A support engineer."""
    return _staff("bob", SUPPORT)


@pytest.fixture
def charlie(db):
    """An auditor."""
    return _staff("charlie", AUDITOR)


@pytest.fixture
def dave(db):
    """A signed-up user without any staff role."""
    return _staff("dave", None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def sandbox_server():
    """A real moto_server on a free loopback port, for the whole session; yields its URL."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def reset_sandbox(url: str) -> None:
    """Empty the emulator at `url`, as if it had just been started."""
    import urllib.request

    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass


@pytest.fixture
def sandbox_url(sandbox_server):
    """The session's emulator, emptied before the test."""
    reset_sandbox(sandbox_server)
    return sandbox_server


@pytest.fixture
def strictness():
    """The in-process emulator's strict settings, for a test to change; restored after it."""
    yield strict_emulator.settings
    strict_emulator.restore()


def run_manage(*args: str, env: dict | None = None, timeout: float = 60):
    """Run `manage.py` in a fresh interpreter (for what must not share the test process)."""
    import os
    import sys

    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


from tests.accounts.conftest import acme  # noqa: E402,F401
from tests.platforms.conftest import example_record, location, metadata_xml, platform  # noqa: E402,F401
