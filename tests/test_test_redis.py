"""Which Redis each test process uses: its own embedded one, or its database of the given one."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

SHOW = (
    "import os, django; django.setup(); from django.conf import settings; "
    "print(os.environ['REDIS_URL'], settings.EMBEDDED_TEST_REDIS)"
)


def _test_process(**env) -> tuple[str, str]:
    """REDIS_URL and EMBEDDED_TEST_REDIS as test_settings leaves them in a process with `env`."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MESHAWS_TEST_REDIS", "PYTEST_XDIST", "REDIS_URL"))
    }
    done = subprocess.run(
        [sys.executable, "-c", SHOW], cwd=settings.BASE_DIR, capture_output=True, text=True,
        env={**clean, "DJANGO_SETTINGS_MODULE": "meshaws_site.test_settings", **env},
        timeout=60, check=True,
    )  # fmt: skip
    url, embedded = done.stdout.split()
    return url, embedded


def test_without_redis_url_an_xdist_worker_starts_its_own_not_the_controllers():
    # The controller set REDIS_URL to its socket: a worker must not use it (nobody serves it).
    url, embedded = _test_process(
        PYTEST_XDIST_WORKER="gw1", MESHAWS_TEST_REDIS_FOR="main", MESHAWS_TEST_REDIS_GIVEN="",
        REDIS_URL="unix:///tmp/meshaws-test-redis-1.sock?db=0",
    )  # fmt: skip
    assert url.startswith("unix:///") and "redis-1.sock" not in url and embedded == "True"


@pytest.mark.parametrize(
    ("given", "worker", "wanted"),
    [
        ("redis://127.0.0.1:6379/7", "gw1", "redis://127.0.0.1:6379/8"),
        ("unix:///run/redis.sock?db=3", "gw2", "unix:///run/redis.sock?db=5"),
        ("redis://127.0.0.1:6379/7", "", "redis://127.0.0.1:6379/7"),
    ],
)
def test_with_redis_url_each_worker_takes_its_own_database(given, worker, wanted):
    env = {"REDIS_URL": given} | ({"PYTEST_XDIST_WORKER": worker} if worker else {})
    assert _test_process(**env) == (wanted, "False")


def test_a_process_a_test_starts_keeps_the_redis_url_it_is_given():
    url, _ = _test_process(
        PYTEST_XDIST_WORKER="gw1", MESHAWS_TEST_REDIS_FOR="gw1",
        MESHAWS_TEST_REDIS_GIVEN="redis://127.0.0.1:6379/7", REDIS_URL="unix:///tmp/own.sock?db=0",
    )  # fmt: skip
    assert url == "unix:///tmp/own.sock?db=0"
