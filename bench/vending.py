"""Vending throughput: N new accounts on one platform, W rqworker processes, and the floor.

For each worker count W: a fresh emulator whose creations take K polls, the sandbox bootstrap
and platform, N projects enabled on it in one transaction (their runs queued at commit), and
W `manage.py rqworker --with-scheduler` processes (SimpleWorker) until every account is ready
or failed, or the time limit (--vending-seconds) has passed. Every 0.2 s the database is
sampled for creations in flight (accounts with a create request and no account id yet),
against the platform's limit; worker CPU time is read from the processes (psutil).

The floor is `bench.floor`: plain boto3 issuing the calls of a recorded account, for as many
accounts, 5 creations at a time, polling at the same interval, against a fresh emulator.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections import Counter

from django.db.models import Count

from . import common, floor

SAMPLE_EVERY = 0.2


def _worker_cpu_seconds(processes: list[subprocess.Popen]) -> float:
    """User + system CPU seconds of the workers and their children (the rq scheduler)."""
    import psutil

    total = 0.0
    for process in processes:
        try:
            parent = psutil.Process(process.pid)
            for each in [parent, *parent.children(recursive=True)]:
                times = each.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def _start_workers(count: int, log_dir) -> list[subprocess.Popen]:
    log_dir.mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "rqworker",
                "--with-scheduler",
                "--worker-class",
                "rq.worker.SimpleWorker",
                "replication",
                "default",
            ],
            cwd=common.ROOT,
            stdout=subprocess.DEVNULL,
            stderr=(log_dir / f"worker-{index}.log").open("w"),
        )  # fmt: skip
        for index in range(count)
    ]


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_workers(count: int, timeout: float = 60) -> None:
    import django_rq
    from rq import Worker

    connection = django_rq.get_connection("replication")
    deadline = time.monotonic() + timeout
    while Worker.count(connection=connection) < count:
        if time.monotonic() > deadline:
            raise SystemExit("bench: the rq workers did not start (see var/bench/logs)")
        time.sleep(0.1)


def _create_accounts(platform, count: int) -> None:
    from django.db import transaction

    from accounts.services import customer_create, project_account_create, project_create

    with transaction.atomic():
        customer = customer_create(identifier="bench", actor=None)
        for index in range(count):
            project = project_create(customer=customer, identifier=f"p{index:05d}", actor=None)
            project_account_create(project=project, platform=platform, actor=None)
    # Leaving the block committed the accounts and queued their runs.


def _sample():
    from django.db.models import Q

    from accounts.models import ProjectAccount

    return ProjectAccount.objects.aggregate(
        in_flight=Count("pk", filter=Q(aws_account_id__isnull=True) & ~Q(create_request_id="")),
        not_started=Count("pk", filter=Q(aws_account_id__isnull=True, create_request_id="")),
        done=Count("pk", filter=Q(status__in=["ready", "failed"])),
    )


def operations_by_account() -> dict[int, list[str]]:
    """Each account's AWS operations in the order its runs made them (all attempts)."""
    from replication.models import ReplicationStep

    sequences: dict[int, list[str]] = {}
    steps = (
        ReplicationStep.objects.order_by(
            "run__account_id", "run__created_at", "attempt", "position"
        )
        .values_list("run__account_id", "aws_calls")
        .iterator(chunk_size=2000)
    )
    for account_id, calls in steps:
        sequences.setdefault(account_id, []).extend(
            f"{call['service']}:{call['operation']}" for call in calls
        )
    return sequences


def creation_seconds() -> list[float]:
    """Per ready account: from its CreateAccount call to the step that saw SUCCEEDED."""
    from replication.models import ReplicationStep

    started: dict[int, object] = {}
    held = []
    steps = (
        ReplicationStep.objects.filter(name="account")
        .order_by("run__account_id", "run__created_at", "attempt")
        .values_list("run__account_id", "status", "started_at", "finished_at", "aws_calls")
    )
    for account_id, status, step_started, step_finished, calls in steps.iterator(2000):
        if any(call["operation"] == "CreateAccount" for call in calls):
            started[account_id] = step_started
        if status == "changed" and account_id in started:
            held.append((step_finished - started.pop(account_id)).total_seconds())
    return held


def run_variant(environment: common.BenchEnvironment, *, workers: int, accounts: int,
                polls: int, limit_seconds: float) -> dict:  # fmt: skip
    """Vend `accounts` accounts with `workers` workers; the figures and the recorded calls."""
    from django.db import connection
    from django.db.models import Max
    from django.utils import timezone

    from accounts.models import ProjectAccount
    from replication.models import ReplicationRun

    common.empty_tables()
    common.empty_redis(environment.redis_url)
    logs = common.OUTPUT / "logs" / f"vending-w{workers}"
    with common.Emulator(polls, logs / "emulator.log") as emulator:
        _, platform = common.bootstrap_platform(emulator.url, f"vending-w{workers}")
        limit = platform.account_creation_concurrency
        processes = _start_workers(workers, logs)
        try:
            _wait_for_workers(workers)
            cpu_before = _worker_cpu_seconds(processes)
            _create_accounts(platform, accounts)
            opened = timezone.now()
            started = time.monotonic()
            samples, backlog_samples = [], []
            finished = False
            while not limit_seconds or time.monotonic() - started < limit_seconds:
                sample = _sample()
                samples.append(sample["in_flight"])
                if sample["not_started"] > 0:
                    backlog_samples.append(sample["in_flight"])
                if sample["done"] >= accounts:
                    finished = True
                    break
                if any(process.poll() is not None for process in processes):
                    raise SystemExit(f"bench: a worker died (see {logs})")
                time.sleep(SAMPLE_EVERY)
            cpu_seconds = _worker_cpu_seconds(processes) - cpu_before
            stopped = timezone.now()
        finally:
            _stop(processes)
            connection.close()
    if finished:
        last = ReplicationRun.objects.aggregate(last=Max("finished_at"))["last"] or stopped
        seconds = (last - opened).total_seconds()
    else:
        seconds = (stopped - opened).total_seconds()
    seconds = max(seconds, 1e-6)
    counts = dict(ProjectAccount.objects.order_by().values_list("status").annotate(n=Count("pk")))
    ready = counts.get("ready", 0)
    sequences = operations_by_account()
    calls = sum(len(ops) for ops in sequences.values())
    ready_ids = set(ProjectAccount.objects.filter(status="ready").values_list("pk", flat=True))
    ready_calls = [len(ops) for account, ops in sequences.items() if account in ready_ids]
    operations = Counter(op for ops in sequences.values() for op in ops)
    attempts = list(ReplicationRun.objects.values_list("attempt", flat=True))
    gave_up = ReplicationRun.objects.filter(error__startswith="gave up after").count()
    held = creation_seconds()
    return {
        "workers": workers,
        "accounts": accounts,
        "finished": finished,
        "ready": ready,
        "failed": counts.get("failed", 0),
        "failed_giving_up": gave_up,
        "unfinished": accounts - ready - counts.get("failed", 0),
        "seconds": round(seconds, 1),
        "accounts_per_minute": round(ready / seconds * 60, 1),
        "creation_limit": limit,
        "in_flight_mean_while_backlog": _mean(backlog_samples),
        "in_flight_mean": _mean(samples),
        "in_flight_max": max(samples, default=0),
        "at_limit_share_while_backlog": round(
            sum(1 for s in backlog_samples if s >= limit) / len(backlog_samples), 3
        )
        if backlog_samples
        else 0.0,
        "aws_calls": calls,
        "aws_calls_per_ready_account": round(calls / max(ready, 1), 1),
        "aws_calls_of_a_ready_account_median": statistics.median(ready_calls) if ready_calls else 0,
        "attempts_per_run_mean": _mean(attempts),
        "creation_seconds_median": round(statistics.median(held), 2) if held else 0.0,
        "creation_seconds_max": round(max(held, default=0.0), 2),
        "worker_cpu_seconds": round(cpu_seconds, 1),
        "worker_cpu_seconds_per_ready_account": round(cpu_seconds / max(ready, 1), 3),
        "operations": dict(operations.most_common()),
        # The floor replays a ready account's calls (an unfinished one stops half-way).
        "_sequences": {k: v for k, v in sequences.items() if k in ready_ids},
    }


def _mean(values) -> float:
    return round(statistics.fmean(values), 2) if values else 0.0


def run(environment: common.BenchEnvironment, options) -> dict:
    """Every worker count, then the floor; prints the table and writes vending.json."""
    variants, sequences = [], {}
    window = f"at most {options.vending_seconds:g} s" if options.vending_seconds else "no limit"
    for workers in options.workers:
        common.show(f"vending: {options.accounts} accounts, {workers} worker(s), {window} ...")
        variant = run_variant(
            environment, workers=workers, accounts=options.accounts, polls=options.polls,
            limit_seconds=options.vending_seconds,
        )  # fmt: skip
        for account, ops in variant.pop("_sequences").items():
            sequences[(workers, account)] = ops
        variants.append(variant)
        common.show(
            f"  {variant['ready']} ready, {variant['failed']} failed in {variant['seconds']} s: "
            f"{variant['accounts_per_minute']} accounts/min"
        )
    template = floor.template_from(sequences)
    common.show(f"vending floor: plain boto3, {options.accounts} accounts ...")
    with common.Emulator(options.polls, common.OUTPUT / "logs" / "floor-emulator.log") as emulator:
        state, platform = common.bootstrap_platform(emulator.url, "floor")
        baseline = floor.run(
            state, template=template, accounts=options.accounts,
            concurrency=platform.account_creation_concurrency, poll_seconds=options.poll_seconds,
        )  # fmt: skip
    for variant in variants:
        variant["ratio_to_floor"] = round(
            variant["accounts_per_minute"] / baseline["accounts_per_minute"], 3
        )
    rows = [
        [
            f"meshaws, {v['workers']} worker(s)", v["ready"], v["failed"], v["unfinished"],
            v["seconds"], v["accounts_per_minute"], v["in_flight_mean_while_backlog"],
            v["in_flight_max"], f"{v['at_limit_share_while_backlog']:.0%}",
            v["creation_seconds_median"], v["aws_calls_per_ready_account"],
            v["aws_calls_of_a_ready_account_median"], v["worker_cpu_seconds_per_ready_account"],
            v["ratio_to_floor"],
        ]
        for v in variants
    ]  # fmt: skip
    rows.append([
        "floor (plain boto3)", baseline["ready"], 0, 0, baseline["seconds"],
        baseline["accounts_per_minute"], baseline["in_flight_mean"], baseline["in_flight_max"],
        f"{baseline['at_limit_share']:.0%}", baseline["creation_seconds_median"],
        baseline["aws_calls_per_account"], baseline["aws_calls_per_account"], "", 1.0,
    ])  # fmt: skip
    header = [
        "run", "ready", "failed", "unfinished", "seconds", "acc/min", "in flight", "max",
        "at limit", "creation s", "AWS calls/ready", "calls of one", "CPU s/ready", "vs floor",
    ]  # fmt: skip
    common.show(
        common.table(
            f"Vending throughput: {options.accounts} new accounts, {window} per run; a creation "
            f"takes {options.polls} polls, {options.poll_seconds:g} s apart at first; at most "
            f"{platform.account_creation_concurrency} in flight",
            header,
            rows,
        )
    )
    payload = {
        "options": {"accounts": options.accounts, "polls": options.polls,
                    "poll_seconds": options.poll_seconds, "workers": options.workers,
                    "vending_seconds": options.vending_seconds},
        "variants": variants,
        "floor": baseline,
        "floor_template": template,
    }  # fmt: skip
    path = common.write_json("vending", payload)
    common.show(f"wrote {path.relative_to(common.ROOT)}")
    return payload
