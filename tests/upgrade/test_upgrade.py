"""Upgrades keep data: an installation made at 829d729, migrated to this code, loses nothing.

data/ holds that installation as an SQLite dump and a PostgreSQL dump, and the manifest of
what it held (build_fixture.py says how they were made). Each test loads a dump into a
scratch database, runs `manage.py migrate` on it as a deploy would, then takes the inventory
(inventory.py) in a process of its own and compares it with the manifest.
"""

from __future__ import annotations

import copy
import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.upgrade.inventory import ENCRYPTION_KEYS, GROWING, SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
MANIFEST = DATA / "at-829d729.expected.json"
# Grants an upgrade takes back on purpose. Since batches moved to the replication app
# (migration replication 0001) they are history like runs: made only by a re-sync (the
# `accounts.resync` permission), never added, changed or deleted by hand, operators included.
REVOKED_ON_PURPOSE = {
    ("operators", f"batch.{action}_replicationbatch") for action in ("add", "change", "delete")
}


# Account statuses an upgrade renames on purpose (replication migration 0006: the distinct
# statuses of issue 16); the column is the accounts relation's tenth.
STATUS_RENAMED_ON_PURPOSE = {
    "pending": "queued",
    "in_progress": "running",
    "waiting": "waiting_for_aws",
}
ACCOUNT_STATUS_COLUMN = 9


def _manifest() -> dict:
    """What the installation held at 829d729, with the account statuses renamed since."""
    manifest = json.loads(MANIFEST.read_text())
    for row in manifest["inventory"]["relations"]["accounts"]:
        status = row[ACCOUNT_STATUS_COLUMN]
        row[ACCOUNT_STATUS_COLUMN] = STATUS_RENAMED_ON_PURPOSE.get(status, status)
    return manifest


def _run(command: list[str], database_url: str, var_dir: Path) -> str:
    """Run `command` under the real settings with the fixture's keys; its output, or fail."""
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "meshaws_site.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "MESHAWS_ENCRYPTION_KEYS": ENCRYPTION_KEYS,
        "DATABASE_URL": database_url,
        "MESHAWS_VAR_DIR": str(var_dir),
        # Nothing here may need Redis: a socket nobody serves says so loudly if it does.
        "REDIS_URL": f"unix://{var_dir}/no-redis.sock?db=0",
    }
    done = subprocess.run(
        [sys.executable, *command], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _upgrade_and_take_inventory(database_url: str, var_dir: Path) -> dict:
    """`manage.py migrate` on the database, then its inventory and credentials check."""
    _run(["manage.py", "migrate", "--noinput"], database_url, var_dir)
    inventory = Path(__file__).resolve().parent / "inventory.py"
    return json.loads(_run([str(inventory), str(MANIFEST)], database_url, var_dir))


def _rows(rows: list) -> Counter:
    """Rows as a multiset of comparable texts."""
    return Counter(json.dumps(row, sort_keys=True) for row in rows)


def losses(manifest: dict, found: dict) -> list[str]:
    """What the manifest lists and the upgraded installation lacks or holds otherwise."""
    expected, inventory = manifest["inventory"], found["inventory"]
    problems = list(found.get("credential_failures", ["the credentials were not checked"]))
    for model, count in expected["counts"].items():
        now = inventory["counts"].get(model, 0)
        if model == "group_permissions":
            count -= len(REVOKED_ON_PURPOSE)
        if now < count or (now != count and model not in GROWING):
            problems.append(f"{model}: {count} rows before the upgrade, {now} after")
    for name, rows in expected["relations"].items():
        now = inventory["relations"].get(name, [])
        if isinstance(rows, dict):  # each group's permissions: later rules may grant more
            for group, permissions in rows.items():
                for permission in sorted(set(permissions) - set(now.get(group, []))):
                    if (group, permission) in REVOKED_ON_PURPOSE:
                        continue
                    problems.append(f"group_permissions: {group} lost {permission}")
            continue
        before, after = _rows(rows), _rows(now)
        problems += [f"{name}: lost {row}" for row in sorted(before - after)]
        problems += [f"{name}: unexpected {row}" for row in sorted(after - before)]
    for label, pk in expected["content_types"].items():
        if inventory["content_types"].get(label) != pk:
            now = inventory["content_types"].get(label)
            problems.append(f"content type {label} was id {pk}, is {now} after the upgrade")
    return problems


def test_it_keeps_every_row_and_relation_on_sqlite(tmp_path):
    database = tmp_path / "meshaws.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.executescript((DATA / "at-829d729.sqlite.sql").read_text())
    connection.close()

    found = _upgrade_and_take_inventory(f"sqlite:///{database}", tmp_path)

    problems = losses(_manifest(), found)
    assert not problems, "\n".join(problems)


def _without_psql_commands(dump: str) -> str:
    """The dump without the psql meta-commands pg_dump adds."""
    # pg_dump brackets its output with psql's \restrict and \unrestrict; psycopg runs SQL only.
    return "\n".join(
        line for line in dump.splitlines() if not line.startswith(("\\restrict ", "\\unrestrict "))
    )


def test_it_keeps_every_row_and_relation_on_postgresql(tmp_path):
    configured = os.environ.get("DATABASE_URL", "")
    if urlsplit(configured).scheme not in ("postgres", "postgresql"):
        pytest.skip("no PostgreSQL configured: DATABASE_URL is not a postgres:// URL (CI sets one)")
    import psycopg

    parts = urlsplit(configured)
    scratch = f"meshaws_upgrade_{os.getpid()}"
    scratch_url = urlunsplit(parts._replace(path=f"/{scratch}"))
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        admin.execute(f'CREATE DATABASE "{scratch}"')
        try:
            with psycopg.connect(scratch_url) as connection:
                dump = (DATA / "at-829d729.postgresql.sql").read_text()
                connection.execute(_without_psql_commands(dump))

            found = _upgrade_and_take_inventory(scratch_url, tmp_path)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')

    problems = losses(_manifest(), found)
    assert not problems, "\n".join(problems)


def test_it_tells_a_lost_row_relation_permission_or_content_type():
    manifest = _manifest()
    found = {"inventory": copy.deepcopy(manifest["inventory"]), "credential_failures": []}
    assert losses(manifest, found) == []
    inventory = found["inventory"]
    inventory["counts"]["run"] -= 1
    inventory["relations"]["runs"].pop()
    batch = inventory["relations"]["batches"][0]
    batch[-1] = batch[-1][1:]
    inventory["relations"]["group_permissions"]["auditors"].remove("run.view_replicationrun")
    inventory["content_types"]["run"] += 100

    problems = losses(manifest, found)

    assert [problem.split(":")[0].split(" was")[0] for problem in problems] == [
        "run",
        "batches",
        "batches",
        "group_permissions",
        "runs",
        "content type run",
    ]
