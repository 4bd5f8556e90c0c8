"""The sandbox emulator with a state dir, in a process of its own (moto's state is global per
process: the session's in-process emulator must not share it); started and stopped by tests."""

from __future__ import annotations

import argparse
import logging
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

# No Django here: the emulator's process needs none (the tests' side imports it late).


def main() -> None:
    """Serve until SIGTERM or SIGINT, then save and exit (as `run_sandbox` does)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-dir", type=Path, required=True)
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from sandbox import emulator, persistence

    emulator.prepare_emulator_process()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    server = persistence.PersistentMotoServer(
        ip_address="127.0.0.1", port=arguments.port, verbose=False, state_dir=arguments.state_dir
    )
    server.start()
    print("ready", flush=True)
    signal.sigwait({signal.SIGINT, signal.SIGTERM})
    server.stop()


class Emulator:
    """A started emulator process: its URL, and its log once stopped."""

    def __init__(self, url: str) -> None:
        self.url, self.log = url, ""


@contextmanager
def running_emulator(state_dir: Path, port: int | None = None):
    """Start the emulator on `state_dir` (and `port`, or a free one); stop it (SIGTERM, a clean
    stop) when the block ends."""
    from django.conf import settings

    from tests.helpers import free_port

    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.sandbox_persistence.emulator_process",
         "--port", str(port), "--state-dir", str(state_dir)],
        cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    emulator = Emulator(f"http://127.0.0.1:{port}")
    try:
        line = process.stdout.readline()
        assert line.strip() == "ready", process.stderr.read()
        yield emulator
    finally:
        process.terminate()
        _, emulator.log = process.communicate(timeout=60)
    assert process.returncode == 0, emulator.log


if __name__ == "__main__":
    main()
