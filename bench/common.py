"""What the benchmarks share: the bench database and Redis, Django, emulator processes, output.

The benchmarks run meshaws with its production settings (DEBUG off) against a PostgreSQL
database of their own (created at the start, dropped at the end) and a Redis database number
of their own (emptied before use).
"""

from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "var" / "bench"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/meshaws_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
BENCH_PASSWORD = "bench-password-for-the-bench-database-only"  # noqa: S105
# Tables the benchmarks fill and empty (never the auth tables or the migrations).
DATA_TABLES = (
    "accounts_replicationbatch_runs", "accounts_replicationbatch", "accounts_replicationstep",
    "accounts_replicationrun", "accounts_projectaccount", "accounts_binding",
    "accounts_project", "accounts_customer", "audit_auditevent", "platforms_rolemapping",
    "platforms_landingzone", "platforms_platforminstance", "platforms_location",
)  # fmt: skip


@dataclass(frozen=True)
class BenchEnvironment:
    """Where the benchmarks' meshaws keeps its data, as environment variables for processes."""

    database_url: str
    redis_url: str
    poll_seconds: float

    def variables(self) -> dict[str, str]:
        from cryptography.fernet import Fernet

        return {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or os.urandom(24).hex(),
            "MESHAWS_ENCRYPTION_KEYS": os.environ.get("BENCH_ENCRYPTION_KEY")
            or Fernet.generate_key().decode(),
            # The Django test client's host, beside the loopback names gunicorn answers to.
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            # Plain HTTP on loopback: cookies must not require HTTPS.
            "DJANGO_SECURE_COOKIES": "false",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "MESHAWS_VAR_DIR": str(OUTPUT / "state"),
            "MESHAWS_LOG_LEVEL": "WARNING",
            "MESHAWS_CREATION_POLL_SECONDS": str(self.poll_seconds),
        }


def _admin_url(database_url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"bench: unexpected database name {name!r}")
    return urllib.parse.urlunsplit(parts._replace(path="/postgres")), name


def create_database(database_url: str) -> None:
    """Create the bench database anew (dropping a left-over one)."""
    import psycopg

    admin, name = _admin_url(database_url)
    with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')


def drop_database(database_url: str) -> None:
    """Drop the bench database (after closing Django's own connections to it)."""
    import psycopg
    from django.db import connections

    connections.close_all()
    admin, name = _admin_url(database_url)
    with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(environment: BenchEnvironment) -> dict[str, str]:
    """Export the bench environment, set Django up, migrate and collect the static files."""
    variables = environment.variables()
    os.environ.update(variables)
    (OUTPUT / "state").mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    # DEBUG off: pages name static files by the hashes in the manifest collectstatic writes.
    call_command("collectstatic", verbosity=0, interactive=False)
    return variables


def empty_tables() -> None:
    """Remove every row the benchmarks made (accounts, history, platforms, audit events)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE")


def empty_redis(redis_url: str) -> None:
    """Empty the bench's Redis database (and only it)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        client.flushdb()
    finally:
        client.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Emulator:
    """A `python -m bench.emulator` process (a moto_server with slow account creations)."""

    def __init__(self, polls: int, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.emulator", "--port", str(self.port),
             "--polls", str(polls)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=self._log, text=True,
        )  # fmt: skip
        line = self.process.stdout.readline()
        if not line.startswith("ready"):
            self.stop()
            raise SystemExit(f"bench: the emulator did not start (see {log})")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def bootstrap_platform(emulator_url: str, name: str):
    """Bootstrap the emulator as the sandbox and configure meshaws' platform against it."""
    import aws
    from sandbox import setup

    aws.forget_credentials()
    state = setup.bootstrap(
        endpoint_url=emulator_url, region="eu-central-1",
        state_file=OUTPUT / "state" / f"sandbox-{name}.json",
    )  # fmt: skip
    return state, setup.configure_platform(state).platform


def percentile(values: list[float], fraction: float) -> float:
    """The `fraction` quantile of `values` (nearest rank); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary_ms(seconds: list[float]) -> dict[str, float]:
    """Mean, median and 95th percentile of durations in seconds, in milliseconds."""
    return {
        "mean_ms": round(statistics.fmean(seconds) * 1000, 2) if seconds else 0.0,
        "median_ms": round(statistics.median(seconds) * 1000, 2) if seconds else 0.0,
        "p95_ms": round(percentile(seconds, 0.95) * 1000, 2),
    }


def machine() -> dict[str, object]:
    """The machine the figures were measured on."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    except OSError:
        pass
    postgres = ""
    try:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            postgres = cursor.fetchone()[0]
    except Exception:  # noqa: BLE001 - only a label for the report
        postgres = "unknown"
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "ram_gib": round(memory_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": postgres,
        "platform": platform.platform(),
    }


# Set by --tag: the JSON files are then var/bench/<name>-<tag>.json.
TAG = ""


def write_json(name: str, payload: dict) -> Path:
    """Write `payload` (with the date and machine) to var/bench/<name>[-<tag>].json."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / (f"{name}-{TAG}.json" if TAG else f"{name}.json")
    document = {
        "benchmark": name,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python -m bench", *sys.argv[1:]]),
        "machine": machine(),
        **payload,
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return path


def table(title: str, header: list[str], rows: list[list[object]]) -> str:
    """A plain-text table with a title, columns right-aligned except the first."""
    cells = [[str(value) for value in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "  ".join(
            value.ljust(widths[i]) if i == 0 else value.rjust(widths[i])
            for i, value in enumerate(row)
        )

    rule = "-" * len(line(cells[0]))
    body = [line(row) for row in cells[1:]]
    return "\n".join([f"\n{title}", rule, line(cells[0]), rule, *body, rule])


def show(text: str) -> None:
    print(text, flush=True)
