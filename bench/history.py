"""History at scale: the pages that read the run history and the audit log, on PostgreSQL.

The dataset is generated inside PostgreSQL (INSERT ... SELECT generate_series), at `--scale`
times 10,000 accounts, 200,000 runs, 1,000,000 steps and 100,000 audit events: 100 accounts
per customer, one platform, runs spread over a year (every 50th run belongs to one busy
account), 5 steps per run, 5% of runs failed, 1% of accounts with a run waiting.

Whatever the scale, every measured page draws as many rows as it can show: at least 60
accounts, 60 failed runs, 60 audit events and 40 runs of the busy account. So the small
dataset (scale 0.001: 200 runs, 1,000 steps) has 60 accounts, every 3rd run failed and every
5th run on the busy account, and a page's time there is that of the same rows on a short
history.

Each page is requested in this process through Django's test Client, signed in as an auditor
(the admin as a superuser): one request counts the queries (CaptureQueriesContext), then
`--repeat` requests are timed (server time: from the request to the rendered response). The
CSV export of every run is consumed under tracemalloc for its memory peak. The same pages are
then measured on a dataset of 1,000 steps, and each page's time is compared.
"""

from __future__ import annotations

import html
import re
import time
import tracemalloc

from . import common
from .history_data import generate, users

DEEP_PAGES = 50
OLDER_LINK = re.compile(r'<a href="([^"]*)" rel="next"')


def _get(client, url: str) -> float:
    """Seconds to answer `url` (a streamed answer is consumed); anything but 200 stops."""
    started = time.perf_counter()
    response = client.get(url)
    if getattr(response, "streaming", False):
        for _ in response.streaming_content:
            pass
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"bench: {url} answered {response.status_code}")
    return seconds


def _queries(client, url: str) -> tuple[int, float]:
    """How many queries answering `url` takes, and their milliseconds in the database."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    spent: list[float] = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent.append(time.perf_counter() - started)

    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timed):
        _get(client, url)
    # Read now: the next request empties the connection's query log (reset_queries).
    return len(captured), round(sum(spent) * 1000, 1)


def _follow_older(client, url: str, pages: int) -> tuple[str, int]:
    """The deepest full page at most `pages` "older" links after `url`, and its depth.

    A page with an "older" link is full; on a small history the last page is not, and a
    page of one row would flatter the comparison.
    """
    full, depth = url, 0
    for step in range(pages + 1):
        match = OLDER_LINK.search(client.get(url).content.decode())
        if match is None:
            break
        full, depth = url, step
        if step == pages:
            break
        url = url.split("?", 1)[0] + html.unescape(match.group(1))
    return full, depth


def _table_rows(client, url: str) -> int:
    """Rows of the tables on the page (header rows included), to compare like with like."""
    return client.get(url).content.decode().count("<tr")


def _export_peak(client) -> dict:
    started = time.perf_counter()
    tracemalloc.start()
    try:
        response = client.get("/runs/export.csv")
        lines = size = 0
        for chunk in response.streaming_content:
            lines += chunk.count(b"\n")
            size += len(chunk)
        response.close()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return {
        "rows": lines - 1,
        "megabytes": round(size / 1e6, 1),
        "peak_traced_mib": round(peak / 2**20, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


class _Site:
    """One dataset's database connection, signed-in clients and page URLs."""

    def __init__(self, wrapper, dataset: dict) -> None:
        from django.test import Client

        self.wrapper = wrapper
        self.dataset = dataset
        self.use()
        auditor, _, superuser = users()
        self.auditor, self.admin = Client(), Client()
        self.auditor.force_login(auditor)
        self.admin.force_login(superuser)
        deep, deep_pages = _follow_older(self.auditor, "/runs/", DEEP_PAGES)
        failed, failed_pages = _follow_older(self.auditor, "/runs/?status=failed", DEEP_PAGES)
        self.pages = {
            "accounts list": (self.auditor, "/accounts/"),
            "account page (busy account)": (self.auditor, f"/accounts/{dataset['busy_account']}/"),
            "runs, first page": (self.auditor, "/runs/"),
            "runs, deep page": (self.auditor, deep),
            "runs, failed, first page": (self.auditor, "/runs/?status=failed"),
            "runs, failed, deep page": (self.auditor, failed),
            "audit log": (self.auditor, "/audit/"),
            "dashboard": (self.auditor, "/"),
            "admin: runs changelist": (self.admin, "/admin/replication/replicationrun/"),
        }
        self.depth = {"runs, deep page": deep_pages, "runs, failed, deep page": failed_pages}

    def use(self) -> None:
        from django.db import connections

        connections["default"] = self.wrapper


def _second_database(name: str):
    """A connection to database `name` with the default database's other settings."""
    from django.db import connections
    from django.db.utils import load_backend

    settings = {**connections["default"].settings_dict, "NAME": name}
    return load_backend(settings["ENGINE"]).DatabaseWrapper(settings, "default")


def measure(large: dict, *, small_scale: float, repeat: int, database_url: str) -> dict:
    """Every page on the large dataset (in the database) and on a small one, interleaved.

    The small dataset lives in a second database (`<name>_small`, dropped afterwards); each
    timed request on one is followed by the same request on the other, so both see the same
    machine (other processes on it slow both alike) and their ratio holds.
    """
    from django.core.management import call_command
    from django.db import connections

    small_url = database_url.rsplit("/", 1)[0] + "/" + database_url.rsplit("/", 1)[1] + "_small"
    common.create_database(small_url)
    big_wrapper = connections["default"]
    small_wrapper = _second_database(small_url.rsplit("/", 1)[1])
    try:
        connections["default"] = small_wrapper
        call_command("migrate", verbosity=0, interactive=False)
        common.show(f"history: generating the small dataset (scale {small_scale}) ...")
        small = generate(small_scale)
        sites = {"large": _Site(big_wrapper, large), "small": _Site(small_wrapper, small)}
        common.show(f"history: measuring {len(sites['large'].pages)} pages, {repeat} times ...")
        results: dict[str, dict] = {"large": {}, "small": {}}
        for page in sites["large"].pages:
            durations: dict[str, list[float]] = {"large": [], "small": []}
            for name, site in sites.items():
                site.use()
                client, url = site.pages[page]
                _get(client, url)  # warm: the first request of a page fills caches
                queries, sql_ms = _queries(client, url)
                results[name][page] = {
                    "url": url, "queries": queries, "sql_ms": sql_ms,
                    "table_rows": _table_rows(client, url),
                }  # fmt: skip
                if page in site.depth:
                    results[name][page]["depth"] = site.depth[page]
            for _ in range(repeat):
                for name, site in sites.items():
                    site.use()
                    client, url = site.pages[page]
                    durations[name].append(_get(client, url))
            for name in sites:
                results[name][page].update(common.summary_ms(durations[name]))
        exports = {}
        for name, site in sites.items():
            site.use()
            exports[name] = _export_peak(site.auditor)
    finally:
        connections["default"] = big_wrapper
        small_wrapper.close()
        common.drop_database(small_url)
    return {
        "large": {"dataset": large, "pages": results["large"], "export": exports["large"]},
        "small": {"dataset": small, "pages": results["small"], "export": exports["small"]},
    }


def report(measured: dict) -> dict:
    """Print the pages table (with the ratio to the small dataset) and write history.json."""
    big, small = measured["large"], measured["small"]
    rows = []
    for name, page in big["pages"].items():
        base = small["pages"][name]
        page["ratio_to_small"] = round(page["median_ms"] / base["median_ms"], 2)
        label = f"{name} ({page['depth']}/{base['depth']} older)" if "depth" in page else name
        rows.append([
            label, page["table_rows"], page["queries"], page["sql_ms"], page["median_ms"],
            page["p95_ms"], base["table_rows"], base["queries"], base["sql_ms"],
            base["median_ms"], page["ratio_to_small"],
        ])  # fmt: skip
    data, few = big["dataset"], small["dataset"]
    common.show(
        common.table(
            f"History pages: {data['accounts']:,} accounts, {data['runs']:,} runs, "
            f"{data['steps']:,} steps, {data['audit_events']:,} audit events (generated in "
            f"{data['generation_seconds']} s) against {few['steps']:,} steps",
            [
                "page",
                "rows",
                "queries",
                "SQL ms",
                "median ms",
                "p95 ms",
                "small: rows",
                "queries",
                "SQL ms",
                "median ms",
                "ratio",
            ],  # fmt: skip
            rows,
        )
    )
    for name, export in (("large", big["export"]), ("small", small["export"])):
        common.show(
            f"CSV export of every run ({name}): {export['rows']:,} rows, {export['megabytes']} "
            f"MB in {export['seconds']} s, traced memory peak {export['peak_traced_mib']} MiB"
        )
    path = common.write_json("history", measured)
    common.show(f"wrote {path.relative_to(common.ROOT)}")
    return measured


def prepare(scale: float) -> dict:
    """Generate the large dataset in the bench database."""
    common.show(f"history: generating the dataset at scale {scale} ...")
    dataset = generate(scale)
    common.show(
        f"  {dataset['runs']:,} runs, {dataset['steps']:,} steps, "
        f"{dataset['audit_events']:,} audit events in {dataset['generation_seconds']} s"
    )
    return dataset
