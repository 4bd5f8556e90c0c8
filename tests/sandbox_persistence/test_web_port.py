"""`make run` serves the web on MESHAWS_PORT (default 8000), and says so."""

import os
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

HONCHO = Path(settings.BASE_DIR) / ".venv" / "bin" / "honcho"


@pytest.fixture
def make_run(tmp_path):
    """`make run`, its commands as they are, with a `python` that only prints its arguments."""
    env_file = Path(settings.BASE_DIR) / ".env"
    if env_file.exists() and re.search(r"^MESHAWS_PORT=", env_file.read_text(), re.M):
        pytest.skip(".env sets MESHAWS_PORT (honcho lets it win over the environment)")
    if not HONCHO.exists():
        pytest.skip("honcho is not installed in .venv")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_python = bin_dir / "python"
    # One-shot commands return at once; the long-running processes (Redis, the sandbox, the
    # worker, cron) stay up, so honcho stops them only once `runserver` has been printed and has
    # returned. Had they returned too, honcho could stop `web` before it printed its command.
    fake_python.write_text(
        "#!/bin/sh\n"
        'echo "python $*"\n'
        'case "$*" in *runserver*|*migrate*|*create_first_operator*|*wait_for_services*) exit 0;; esac\n'
        "exec sleep 50\n"
    )
    fake_python.chmod(0o755)
    (bin_dir / "honcho").symlink_to(HONCHO)
    installed = tmp_path / "installed"
    installed.touch()  # newer than pyproject.toml: nothing to install

    def run(**env: str) -> str:
        environment = {k: v for k, v in os.environ.items() if k != "MESHAWS_PORT"}
        finished = subprocess.run(
            # The Makefile puts $(CURDIR)/$(BIN) first on honcho's PATH: BIN must be relative.
            ["make", "--no-print-directory", "run", f"INSTALLED={installed}",
             f"BIN={os.path.relpath(bin_dir, settings.BASE_DIR)}"],
            cwd=settings.BASE_DIR, env={**environment, **env},
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        return finished.stdout + finished.stderr

    return run


def test_make_run_serves_the_web_on_meshaws_port_and_says_so(make_run):
    output = make_run(MESHAWS_PORT="8123")
    assert "Starting meshaws at http://127.0.0.1:8123/" in output
    assert "runserver 127.0.0.1:8123" in output


def test_make_run_serves_the_web_on_8000_by_default(make_run):
    output = make_run()
    assert "Starting meshaws at http://127.0.0.1:8000/" in output
    assert "runserver 127.0.0.1:8000" in output
