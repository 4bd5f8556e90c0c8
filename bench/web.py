"""Web load: gunicorn serving meshaws on loopback, locust's headless users reading pages.

gunicorn (`--gunicorn-workers`, sync workers) serves the bench database; locust runs
`--users` users for `--duration` seconds, all signed in as an auditor (a session cookie),
each asking for an account page (of a random account) or the runs page, one request after
another without think time. Only 127.0.0.1 is ever addressed; the run stops by itself.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
import urllib.request

from . import common


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("bench: gunicorn stopped (see var/bench/logs/gunicorn.log)")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("bench: gunicorn did not answer")


def _session_cookie() -> str:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from .history_data import AUDITOR

    client = Client()
    client.force_login(get_user_model().objects.get(username=AUDITOR))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _aggregated(stats_csv) -> dict:
    with stats_csv.open() as handle:
        rows = list(csv.DictReader(handle))
    by_name = {row["Name"]: row for row in rows}
    result = {}
    for name, row in by_name.items():
        result[name] = {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "requests_per_second": round(float(row["Requests/s"]), 1),
            "p50_ms": float(row["50%"]),
            "p99_ms": float(row["99%"]),
            "mean_ms": round(float(row["Average Response Time"]), 1),
        }
    return result


def run(environment: common.BenchEnvironment, options) -> dict:
    from django.db import connection

    from accounts.models import ProjectAccount

    from . import history_data

    if not ProjectAccount.objects.exists():
        history_data.generate(options.scale)
    first, last = (
        ProjectAccount.objects.order_by("pk").values_list("pk", flat=True).first(),
        ProjectAccount.objects.order_by("-pk").values_list("pk", flat=True).first(),
    )
    session = _session_cookie()
    connection.close()
    logs = common.OUTPUT / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    port = common.free_port()
    url = f"http://127.0.0.1:{port}"
    common.show(
        f"web load: gunicorn with {options.gunicorn_workers} workers, {options.users} users "
        f"for {options.duration} s ..."
    )
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "meshaws_site.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(options.gunicorn_workers), "--timeout", "60"],
        cwd=common.ROOT, stdout=subprocess.DEVNULL, stderr=(logs / "gunicorn.log").open("w"),
    )  # fmt: skip
    prefix = common.OUTPUT / "locust"
    try:
        _wait_until_up(url, gunicorn)
        locust = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(common.ROOT / "bench" / "locustfile.py"),
             "--headless", "--users", str(options.users), "--spawn-rate", str(options.users),
             "--run-time", f"{options.duration}s", "--host", url, "--csv", str(prefix),
             "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"],
            cwd=common.ROOT, env={**os.environ, "BENCH_SESSION": session,
                                  "BENCH_ACCOUNTS": f"{first}-{last}"},
            capture_output=True, text=True, timeout=options.duration + 120,
        )  # fmt: skip
        (logs / "locust.log").write_text(locust.stdout + locust.stderr)
    finally:
        gunicorn.terminate()
        try:
            gunicorn.wait(timeout=15)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
            gunicorn.wait()
    stats = _aggregated(prefix.with_name("locust_stats.csv"))
    rows = [
        [name, s["requests"], s["requests_per_second"], s["p50_ms"], s["p99_ms"], s["failures"]]
        for name, s in stats.items()
    ]
    common.show(
        common.table(
            f"Web load: {options.users} users, {options.duration} s, gunicorn "
            f"{options.gunicorn_workers} sync workers, loopback",
            ["page", "requests", "req/s", "p50 ms", "p99 ms", "errors"],
            rows,
        )
    )
    result = {
        "options": {"users": options.users, "duration_seconds": options.duration,
                    "gunicorn_workers": options.gunicorn_workers},
        "accounts": f"{first}-{last}",
        "pages": stats,
        "errors": sum(s["failures"] for name, s in stats.items() if name == "Aggregated"),
    }  # fmt: skip
    path = common.write_json("web", result)
    common.show(f"wrote {path.relative_to(common.ROOT)}")
    return result
