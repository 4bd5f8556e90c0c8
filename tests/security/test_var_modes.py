"""Everything meshaws writes under MESHAWS_VAR_DIR is its owner's only: folders 0700, files
0600, whatever the umask, and also where an older `make run` left them wider."""

import os
import sqlite3
import stat
import subprocess
import sys

import pytest
import redis
from django.conf import settings
from django.contrib.staticfiles.storage import StaticFilesStorage
from django.core.files.base import ContentFile

from meshaws_site import embedded_redis
from meshaws_site.private_files import private_file, private_folder, write_private_file
from sandbox import setup


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def var(tmp_path):
    """A var/ folder as `mkdir -p var` makes it under the usual umask: 0755."""
    folder = tmp_path / "var"
    folder.mkdir()
    folder.chmod(0o755)
    return folder


def _make_run_environment(var) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    return {**environment, "DJANGO_DEBUG": "true", "MESHAWS_VAR_DIR": str(var)}


def test_make_runs_migrate_leaves_the_database_owner_only(var):
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=settings.BASE_DIR, env=_make_run_environment(var), umask=0o022,
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    database = var / "meshaws.sqlite3"
    assert (mode(var), mode(database)) == (0o700, 0o600)
    assert database.stat().st_size > 0
    # SQLite gives its journal files the database file's mode.
    old_umask = os.umask(0o022)
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE mode_probe (x)")
        assert mode(f"{database}-wal") == 0o600 and mode(f"{database}-shm") == 0o600
    finally:
        connection.close()
        os.umask(old_umask)


def test_the_embedded_redis_keeps_its_folder_and_files_owner_only(var):
    data = var / "redis"
    data.mkdir(mode=0o755)
    process = embedded_redis.start(data / "redis.sock", data_dir=data)
    try:
        connection = redis.Redis.from_url(f"unix://{data}/redis.sock")
        connection.set("probe", "1")
        connection.save()
        connection.close()
        files = {path.name: mode(path) for path in data.iterdir()}
    finally:
        embedded_redis.stop(process)
    assert mode(data) == 0o700
    assert {"redis.sock", "redis.pid", "dump.rdb"} <= set(files)
    assert set(files.values()) == {0o600}, files


@pytest.mark.sandbox
def test_the_sandbox_keys_are_owner_only(sandbox_url, var):
    state_file = var / "sandbox.json"
    (var / "sandbox.tmp").write_text("{}")  # left over by a killed run, 0644
    setup.bootstrap(endpoint_url=sandbox_url, region="eu-central-1", state_file=state_file)
    assert (mode(var), mode(state_file)) == (0o700, 0o600)
    assert not (var / "sandbox.tmp").exists()


def test_collectstatic_writes_owner_only_files(var):
    storage = StaticFilesStorage(location=var / "staticfiles")
    name = storage.save("css/site.css", ContentFile(b"body {}"))
    assert mode(var / "staticfiles" / "css") == 0o700
    assert mode(var / "staticfiles" / name) == 0o600


def test_it_tightens_what_an_older_version_left_wider(var):
    database = var / "meshaws.sqlite3"
    database.write_text("kept")
    database.chmod(0o644)
    private_file(private_folder(var) / "meshaws.sqlite3")
    assert (mode(var), mode(database), database.read_text()) == (0o700, 0o600, "kept")


def test_it_writes_a_private_file_into_a_new_folder_whatever_the_umask(tmp_path):
    old_umask = os.umask(0)
    try:
        write_private_file(tmp_path / "new" / "state.json", "{}")
    finally:
        os.umask(old_umask)
    assert (mode(tmp_path / "new"), mode(tmp_path / "new" / "state.json")) == (0o700, 0o600)
