"""The watchers benchmark's users: each an open live page polling as static/live.js does.

Run by `bench.watchers` (locust headless against a local gunicorn). BENCH_SESSION is a signed-in
auditor's session cookie, BENCH_PAGES the pages by name, BENCH_MIX each page's share,
BENCH_POLL_SECONDS the interval; the polls' latencies per answer (304, 200) go to
BENCH_BY_STATUS.
"""

import html
import itertools
import json
import os
import re

from locust import FastHttpUser, constant, events, task

PAGES = json.loads(os.environ["BENCH_PAGES"])
MIX = json.loads(os.environ["BENCH_MIX"])
# Page names in their shares, for 100 watchers; the n-th watcher opens the n-th.
OPENED = [name for name, share in MIX for _ in range(share)]
OPENED = [OPENED[(i * 37) % len(OPENED)] for i in range(len(OPENED))]  # interleaved
SIGNED_IN = f"sessionid={os.environ['BENCH_SESSION']}"
ETAG = re.compile(r'data-live-etag="([^"]+)"')
_numbers = itertools.count()
_times: dict[str, list[float]] = {}


class Watcher(FastHttpUser):
    # live.js asks again this long after an answer.
    wait_time = constant(float(os.environ["BENCH_POLL_SECONDS"]))

    def on_start(self):
        # Opening the page: its regions carry the ETag the first poll sends.
        self.page = OPENED[next(_numbers) % len(OPENED)]
        opened = self.client.get(
            PAGES[self.page], headers={"Cookie": SIGNED_IN}, name=f"open {self.page}"
        )
        found = ETAG.search(opened.text or "")
        self.etag = html.unescape(found[1]) if found else ""

    @task
    def poll(self):
        headers = {"Cookie": SIGNED_IN, "X-Meshaws-Live": "1"}
        if self.etag:
            headers["If-None-Match"] = self.etag
        with self.client.get(
            PAGES[self.page], headers=headers, name=self.page, catch_response=True
        ) as response:
            if response.status_code == 200 and response.headers.get("ETag"):
                self.etag = response.headers["ETag"]
                response.success()
            elif response.status_code == 304:
                response.success()
            else:
                response.failure(f"answered {response.status_code}")


@events.request.add_listener
def _by_status(name, response_time, response=None, **kwargs):
    if name.startswith("open "):
        return
    status = str(getattr(response, "status_code", "error"))
    _times.setdefault(status, []).append(response_time)


@events.spawning_complete.add_listener
def _from_now(**kwargs):
    _times.clear()  # as --reset-stats does for locust's own figures


@events.quitting.add_listener
def _write(**kwargs):
    def quantile(values, fraction):
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1)

    summary = {
        status: {"requests": len(values), "p50_ms": quantile(values, 0.5),
                 "p99_ms": quantile(values, 0.99)}
        for status, values in _times.items() if values
    }  # fmt: skip
    with open(os.environ["BENCH_BY_STATUS"], "w") as handle:
        json.dump(summary, handle, indent=2)
