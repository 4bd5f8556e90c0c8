"""`python -m bench [BENCHMARK ...] [options]`: run the benchmarks, print tables, write JSON.

See bench/__init__.py for what each benchmark measures and docs/performance.md for figures.
"""

from __future__ import annotations

import argparse
import time

from . import common

BENCHMARKS = ("vending", "resync", "history", "web", "watchers")


def _workers(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("a comma-separated list of worker counts") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("at least one worker count, each at least 1")
    return counts


def _tag(text: str) -> str:
    if text and not text.replace("-", "").isalnum():
        raise argparse.ArgumentTypeError("letters, digits and dashes")
    return text


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="meshaws benchmarks: print figures, write var/bench/<benchmark>.json.",
    )
    parser.add_argument(
        "benchmarks", nargs="*", metavar="BENCHMARK",
        help=f"which to run: {', '.join(BENCHMARKS)} (default: all, in that order)",
    )  # fmt: skip
    parser.add_argument(
        "--database-url",
        default=common.DEFAULT_DATABASE_URL,
        help="the bench database, created and dropped (%(default)s)",
    )
    parser.add_argument(
        "--redis-url",
        default=common.DEFAULT_REDIS_URL,
        help="a Redis database for the bench only, emptied (%(default)s)",
    )
    parser.add_argument(
        "--keep-database", action="store_true", help="do not drop the bench database at the end"
    )
    parser.add_argument(
        "--tag", default="", type=_tag, help="write var/bench/<benchmark>-<tag>.json instead"
    )
    vending = parser.add_argument_group("vending throughput")
    vending.add_argument(
        "--accounts", type=int, default=300, help="new accounts per worker count (%(default)s)"
    )
    vending.add_argument(
        "--workers", type=_workers, default=[1, 2, 4], help="worker counts, comma-separated (1,2,4)"
    )
    vending.add_argument(
        "--polls",
        type=int,
        default=2,
        help="polls an account creation takes in the emulator (%(default)s)",
    )
    vending.add_argument(
        "--poll-seconds",
        type=float,
        default=1.0,
        help="MESHAWS_CREATION_POLL_SECONDS for meshaws and the floor (%(default)s)",
    )
    vending.add_argument(
        "--vending-seconds",
        type=float,
        default=75,
        help="stop each worker count's run after this many seconds; 0: "
        "wait until every account is ready or failed (%(default)s)",
    )
    resync = parser.add_argument_group("no-op re-sync")
    resync.add_argument("--resyncs", type=int, default=50, help="re-syncs (%(default)s)")
    history = parser.add_argument_group("history at scale")
    history.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="dataset size: 1.0 is 10,000 accounts, 200,000 runs, 1,000,000 "
        "steps, 100,000 audit events (%(default)s)",
    )
    history.add_argument(
        "--repeat", type=int, default=15, help="timed requests per page (%(default)s)"
    )
    web = parser.add_argument_group("web load")
    web.add_argument("--users", type=int, default=50, help="concurrent users (%(default)s)")
    web.add_argument("--duration", type=int, default=30, help="seconds of load (%(default)s)")
    web.add_argument(
        "--gunicorn-workers", type=int, default=3, help="gunicorn sync workers (%(default)s)"
    )
    watchers = parser.add_argument_group("watchers (open live pages polling)")
    watchers.add_argument("--watchers", type=int, default=200, help="open pages (%(default)s)")
    watchers.add_argument(
        "--watch-seconds", type=int, default=60, help="seconds of polling (%(default)s)"
    )
    watchers.add_argument(
        "--poll-interval", type=float, default=5.0, help="seconds between polls (%(default)s)"
    )
    watchers.add_argument(
        "--change-seconds",
        type=float,
        default=30.0,
        help="a run changes this often (%(default)s)",
    )
    watchers.add_argument(
        "--watchers-gunicorn-workers",
        type=int,
        default=4,
        help="gunicorn sync workers (%(default)s)",
    )
    watchers.add_argument(
        "--cores",
        default="0,1",
        help="CPUs gunicorn is pinned to by taskset; empty: no pinning (%(default)s)",
    )
    return parser  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    arguments = parser()
    options = arguments.parse_args(argv)
    unknown = set(options.benchmarks) - set(BENCHMARKS)
    if unknown:
        arguments.error(f"unknown benchmark(s) {', '.join(sorted(unknown))}")
    selected = [name for name in BENCHMARKS if name in options.benchmarks] or list(BENCHMARKS)
    environment = common.BenchEnvironment(
        options.database_url, options.redis_url, options.poll_seconds
    )
    common.TAG = options.tag
    started = time.monotonic()
    common.create_database(environment.database_url)
    try:
        common.setup_django(environment)
        from . import history, history_data, resync, vending, watchers, web

        if "vending" in selected:
            vending.run(environment, options)
        if "resync" in selected:
            resync.run(environment, options)
        large = history.prepare(options.scale) if "history" in selected else None
        if "web" in selected:
            web.run(environment, options)
        if "watchers" in selected:
            watchers.run(environment, options)
        if large is not None:
            history.report(
                history.measure(
                    large, small_scale=history_data.SMALL_SCALE, repeat=options.repeat,
                    database_url=environment.database_url,
                )
            )  # fmt: skip
    finally:
        common.empty_redis(environment.redis_url)
        if not options.keep_database:
            common.drop_database(environment.database_url)
    common.show(f"\nbench: done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
