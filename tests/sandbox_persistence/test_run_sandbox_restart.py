"""`run_sandbox` (the `make run` process), stopped and started again: the same organization,
and the operator's edit of sandbox.local is kept."""

import json
import os
import re
import signal
import subprocess
import sys

import pytest
from django.conf import settings

from platforms.config_io import parse_record, record_of
from platforms.selectors import platform_by_full_identifier
from platforms.services import platform_apply
from tests.helpers import database_url, free_port

pytestmark = [pytest.mark.sandbox, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
READY = "readable by you only"


def _run_sandbox(var_dir, port):
    """Start `manage.py run_sandbox`, wait until it is ready, stop it; its output."""
    environment = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "meshaws_site.test_settings",
        "DATABASE_URL": database_url(), "REDIS_URL": settings.REDIS_URL,
        "MESHAWS_VAR_DIR": str(var_dir), "MESHAWS_SANDBOX_PORT": str(port),
        "PYTHONUNBUFFERED": "1",
    }  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_sandbox"], cwd=settings.BASE_DIR, env=environment,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines = []
    try:
        for line in process.stdout:
            lines.append(line)
            if READY in line:
                break
    finally:
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=120)
    output = "".join(lines) + rest
    assert READY in output, output
    return output


def _summary(output):
    """The bootstrap's printed state (ids, no secrets)."""
    return json.loads(re.search(r"^\{$.*?^\}$", output, re.M | re.S).group(0))


def test_a_restart_keeps_the_organization_and_the_operators_edit(tmp_path):
    port = free_port()
    first = _run_sandbox(tmp_path, port)
    assert "Platform sandbox.local points at it (created)" in first
    platform = platform_by_full_identifier("sandbox.local")
    record = {**record_of(platform).as_dict(), "tagPrefix": "ours:"}
    platform_apply(
        location=platform.location, record=parse_record(record, stored=record_of(platform)),
        actor=None,
    )  # fmt: skip

    second = _run_sandbox(tmp_path, port)

    assert _summary(second) == _summary(first)
    assert (
        "Platform sandbox.local kept as configured; it differs from this emulator's bootstrap "
        "in tagPrefix" in second
    )
    assert "Platform sandbox-sso.local kept as configured\n" in second
    assert record_of(platform_by_full_identifier("sandbox.local")).tag_prefix == "ours:"
