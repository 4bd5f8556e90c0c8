"""Watchers: many open live pages polling (static/live.js's way) on 2 cores.

gunicorn (`--watchers-gunicorn-workers` sync workers, pinned with taskset to `--cores`) serves
the history dataset with PostgreSQL and Redis; locust runs `--watchers` users, each one open
page (dashboard, accounts, runs, a batch, retirements, in a fixed mix) that polls every
`--poll-interval` seconds with the live header and its last ETag. A run changes every
`--change-seconds` (half of them in the watched batch), so most polls find nothing changed
(304) and some bring the page (200). Before the load, each page's unchanged poll is measured
in this process: its queries, counted by Django (session and user included).
"""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import threading

from . import common
from .web import _session_cookie, _wait_until_up

# The pages open, with their share of the watchers.
MIX = (("dashboard", 20), ("accounts", 25), ("runs", 25), ("batch", 15), ("retirements", 15))
LIVE = {"HTTP_X_MESHAWS_LIVE": "1"}


def _pages(batch_id) -> dict[str, str]:
    return {
        "dashboard": "/", "accounts": "/accounts/", "runs": "/runs/",
        "batch": f"/batches/{batch_id}/", "retirements": "/retirements/",
    }  # fmt: skip


def _watched_batch():
    """A batch of the 200 newest runs, as a re-sync of a platform would leave it."""
    from replication.models import ReplicationBatch, ReplicationRun

    batch = ReplicationBatch.objects.create(description="bench: the watched batch")
    batch.runs.add(*ReplicationRun.objects.order_by("-created_at")[:200])
    return batch


def queries_per_poll(pages: dict[str, str]) -> dict[str, dict]:
    """Each page's first poll (200) and unchanged poll (304): status and queries, counted."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from .history_data import AUDITOR

    client = Client()
    client.force_login(get_user_model().objects.get(username=AUDITOR))
    measured = {}
    for name, path in pages.items():
        with CaptureQueriesContext(connection) as first_queries:
            first = client.get(path, **LIVE)
        with CaptureQueriesContext(connection) as queries:
            again = client.get(path, HTTP_IF_NONE_MATCH=first.get("ETag", ""), **LIVE)
        measured[name] = {
            "changed_status": first.status_code, "changed_queries": len(first_queries),
            "unchanged_status": again.status_code, "unchanged_queries": len(queries),
            "unchanged_sql": [query["sql"][:160] for query in queries.captured_queries],
        }  # fmt: skip
    return measured


class Changes(threading.Thread):
    """Every `seconds`, one run changes (its updated_at moves), alternately in the batch."""

    def __init__(self, seconds: float, batch_id, stop: threading.Event):
        super().__init__(daemon=True)
        self.seconds, self.batch_id, self.stop, self.count = seconds, batch_id, stop, 0

    def run(self) -> None:
        from django.db import connection
        from django.utils import timezone

        from replication.models import ReplicationRun

        runs = ReplicationRun.objects.order_by()
        in_batch = list(runs.filter(batches=self.batch_id).values_list("pk", flat=True))
        anywhere = list(runs.values_list("pk", flat=True)[:5000])
        try:
            while not self.stop.wait(self.seconds):
                pool = in_batch if self.count % 2 == 0 else anywhere
                runs.filter(pk=random.choice(pool)).update(updated_at=timezone.now())  # noqa: S311
                self.count += 1
        finally:
            connection.close()


def _polls(stats_csv) -> dict:
    """locust's figures of the polls since every page was open (not the openings)."""
    with stats_csv.open() as handle:
        rows = [row for row in csv.DictReader(handle) if int(row["Request Count"])]
    return {
        row["Name"]: {
            "requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
            "requests_per_second": round(float(row["Requests/s"]), 1),
            "p50_ms": float(row["50%"]), "p99_ms": float(row["99%"]),
            "mean_ms": round(float(row["Average Response Time"]), 1),
        }
        for row in rows if not row["Name"].startswith("open ")
    }  # fmt: skip


def _gunicorn(options, port: int, logs) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "meshaws_site.wsgi", "--bind",
               f"127.0.0.1:{port}", "--workers", str(options.watchers_gunicorn_workers),
               "--timeout", "60"]  # fmt: skip
    if options.cores:
        command = ["taskset", "-c", options.cores, *command]
    return subprocess.Popen(
        command, cwd=common.ROOT, stdout=subprocess.DEVNULL,
        stderr=(logs / "gunicorn-watchers.log").open("w"),
    )  # fmt: skip


def run(environment: common.BenchEnvironment, options) -> dict:
    from django.db import connection

    from accounts.models import ProjectAccount

    from . import history_data

    if not ProjectAccount.objects.exists():
        history_data.generate(options.scale)
    batch = _watched_batch()
    pages = _pages(batch.pk)
    measured = queries_per_poll(pages)
    session = _session_cookie()
    connection.close()
    logs = common.OUTPUT / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    port = common.free_port()
    url = f"http://127.0.0.1:{port}"
    common.show(
        f"watchers: gunicorn with {options.watchers_gunicorn_workers} workers on cores "
        f"{options.cores or 'all'}, {options.watchers} open pages polling every "
        f"{options.poll_interval} s for {options.watch_seconds} s, a run changing every "
        f"{options.change_seconds} s ..."
    )
    prefix = common.OUTPUT / "watchers"
    by_status = common.OUTPUT / "watchers-by-status.json"
    by_status.unlink(missing_ok=True)
    stop = threading.Event()
    changes = Changes(options.change_seconds, batch.pk, stop)
    gunicorn = _gunicorn(options, port, logs)
    try:
        _wait_until_up(url, gunicorn)
        changes.start()
        # Pages open over ten seconds; the figures count from when all are open.
        spawn_rate = max(1, options.watchers // 10)
        locust = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(common.ROOT / "bench" / "watcherfile.py"),
             "--headless", "--users", str(options.watchers), "--spawn-rate", str(spawn_rate),
             "--run-time", f"{options.watch_seconds + 10}s", "--host", url, "--csv",
             str(prefix), "--only-summary", "--reset-stats", "--stop-timeout", "10",
             "--loglevel", "WARNING"],
            cwd=common.ROOT, capture_output=True, text=True,
            timeout=options.watch_seconds + 180,
            env={**os.environ, "BENCH_SESSION": session, "BENCH_PAGES": json.dumps(pages),
                 "BENCH_MIX": json.dumps(MIX), "BENCH_POLL_SECONDS": str(options.poll_interval),
                 "BENCH_BY_STATUS": str(by_status)},
        )  # fmt: skip
        (logs / "locust-watchers.log").write_text(locust.stdout + locust.stderr)
    finally:
        stop.set()
        gunicorn.terminate()
        try:
            gunicorn.wait(timeout=15)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
            gunicorn.wait()
        changes.join(timeout=10)
    stats = _polls(prefix.with_name("watchers_stats.csv"))
    statuses = json.loads(by_status.read_text()) if by_status.exists() else {}
    return report(options, measured, stats, statuses, changes.count)


def report(options, measured: dict, stats: dict, statuses: dict, changes: int) -> dict:
    """Print the tables and write var/bench/watchers.json."""
    common.show(
        common.table(
            "Unchanged poll of each live page (Django's count, session and user included)",
            ["page", "first poll", "queries", "unchanged poll", "queries"],
            [[name, m["changed_status"], m["changed_queries"], m["unchanged_status"],
              m["unchanged_queries"]] for name, m in measured.items()],
        )
    )  # fmt: skip
    rows = [
        [name, s["requests"], s["requests_per_second"], s["p50_ms"], s["p99_ms"], s["failures"]]
        for name, s in stats.items()
    ]
    rows += [
        [f"answered {status}", s["requests"], "", s["p50_ms"], s["p99_ms"], ""]
        for status, s in sorted(statuses.items())
    ]
    common.show(
        common.table(
            f"Watchers: {options.watchers} pages polling every {options.poll_interval} s, "
            f"{options.watch_seconds} s, gunicorn {options.watchers_gunicorn_workers} workers "
            f"on cores {options.cores or 'all'}, {changes} run changes",
            ["page", "requests", "req/s", "p50 ms", "p99 ms", "errors"],
            rows,
        )
    )
    result = {
        "options": {"watchers": options.watchers, "poll_seconds": options.poll_interval,
                    "duration_seconds": options.watch_seconds,
                    "change_seconds": options.change_seconds,
                    "gunicorn_workers": options.watchers_gunicorn_workers,
                    "cores": options.cores},
        "queries_per_poll": measured,
        "pages": stats,
        "by_status": statuses,
        "run_changes": changes,
        "targets": {"p99_ms": 300, "queries_per_unchanged_poll": 2},
    }  # fmt: skip
    path = common.write_json("watchers", result)
    common.show(f"wrote {path.relative_to(common.ROOT)}")
    return result
