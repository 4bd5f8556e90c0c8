"""meshaws benchmarks: `make bench` (or `python -m bench [BENCHMARK ...] [options]`).

They print figures and write them to var/bench/<benchmark>.json; they never assert timings.
The latest figures, the machine and the command are in docs/performance.md.

Needs PostgreSQL on 127.0.0.1:5432 (trust auth for `postgres`) and Redis on 127.0.0.1:6379.
The benchmarks create the database `meshaws_bench` and drop it at the end (--keep-database
keeps it), and use Redis database 9 only, emptied before use (--database-url, --redis-url).
meshaws runs with its production settings (DEBUG off; bench/settings.py only skips
compressing static files). Every server is on 127.0.0.1 and every load stops by itself.

vending   N new accounts (--accounts, 300) on one platform, for each worker count
          (--workers 1,2,4): `manage.py rqworker --with-scheduler` processes against a
          moto_server (`python -m bench.emulator`) whose creations take --polls polls (2),
          with MESHAWS_CREATION_POLL_SECONDS=--poll-seconds (1). Each run stops when every
          account is ready or failed, or after --vending-seconds (75; 0: no limit). Then the
          floor (bench/floor.py): plain boto3, the same calls, 5 creations at a time.
resync    --resyncs (50) re-syncs of one unchanged account, in this process: AWS reads,
          writes (must be 0) and time per re-sync.
history   a generated history at --scale (1.0: 10,000 accounts, 200,000 runs, 1,000,000
          steps, 100,000 audit events) and at 1,000 steps: queries and server time of each
          page (--repeat 15 timed requests), the CSV export's memory peak, Django admin's
          runs changelist beside them.
web       gunicorn (--gunicorn-workers 3) and locust headless, --users (50) for --duration
          (30) seconds on the account and runs pages, signed in: requests/s, p50/p99, errors.
watchers  --watchers (200) open live pages polling every --poll-interval (5) s for
          --watch-seconds (60) against gunicorn (--watchers-gunicorn-workers 4, taskset to
          --cores 0,1), a run changing every --change-seconds (30): queries per unchanged
          poll, p50/p99 of 304s and 200s (bench/watchers.py, bench/watcherfile.py).

All five take about 10 minutes on the 2-core machine docs/performance.md names. Quick run:
`make bench BENCH_ARGS="--accounts 60 --workers 1,4 --scale 0.1 --duration 10"`.
"""
