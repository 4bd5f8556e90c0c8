"""The suite's fixtures, by area (tests/fixtures/), and the embedded Redis every test uses."""

import time

import pytest
from django.conf import settings
from django.core.cache import caches

from meshaws_site import embedded_redis

pytest_plugins = [
    "tests.fixtures.staff",
    "tests.fixtures.platforms",
    "tests.fixtures.projects",
    "tests.fixtures.sandbox",
    "tests.fixtures.replication",
    "tests.fixtures.identity_center",
    "tests.fixtures.lifecycle",
    "tests.fixtures.browser",
    "tests.fixtures.notifications",
]


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


@pytest.fixture(autouse=True)
def _fresh_local_cache():
    """Each test starts with an empty default (per-process) cache: a shared live answer or a
    counted chart of an earlier test's rows must not answer for this one's."""
    caches["default"].clear()


@pytest.fixture(autouse=True)
def _live_clock_held(monkeypatch):
    """Live pages' minute stands still during a test (a test that turns it says so), so that a
    poll right after a page load is never answered 200 only because a minute turned."""
    held = time.time()
    monkeypatch.setattr("replication.live.clock", lambda: held)
