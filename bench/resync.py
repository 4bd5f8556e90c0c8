"""No-op re-sync: the AWS calls and time of a re-sync of an account that is already right.

In this process: a fresh emulator, the sandbox platform, one account replicated to `ready`,
then R re-syncs (`request_replication`, then `engine.execute` timed on its own). Every AWS
call a run records is a read (Get/List/Describe, and STS AssumeRole) or a write (anything
else); a no-op re-sync must write nothing. The first re-sync runs with this process' caches
(clients, assumed-role credentials) already warm from the creation, as in a worker.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter

from . import common

READ_PREFIXES = ("Get", "List", "Describe", "AssumeRole")


def is_read(operation: str) -> bool:
    return operation.startswith(READ_PREFIXES)


def _replicate_to_end(run_id) -> str:
    from replication import engine

    for _ in range(30):
        status = engine.execute(run_id, schedule=lambda run, delay: None)
        if status != "waiting":
            return status
    raise SystemExit("bench: the account kept waiting")


def run(environment: common.BenchEnvironment, options) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.services import customer_create, project_account_create, project_create
    from replication import engine
    from replication.models import ReplicationRun, ReplicationStep

    common.show(f"no-op re-sync: {options.resyncs} re-syncs of one account ...")
    common.empty_tables()
    common.empty_redis(environment.redis_url)
    with common.Emulator(options.polls, common.OUTPUT / "logs" / "resync-emulator.log") as emulator:
        _, platform = common.bootstrap_platform(emulator.url, "resync")
        customer = customer_create(identifier="bench", actor=None)
        project = project_create(customer=customer, identifier="steady", actor=None)
        account = project_account_create(project=project, platform=platform, actor=None)
        first = account.runs.get()
        if _replicate_to_end(first.pk) != "succeeded":
            raise SystemExit(f"bench: the account did not become ready: {first.pk}")
        durations, reads, writes, queries = [], [], [], []
        written: Counter[str] = Counter()
        operations: Counter[str] = Counter()
        for _ in range(options.resyncs):
            resync = ReplicationRun.objects.create(
                account=account, trigger=ReplicationRun.Trigger.RESYNC
            )
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                status = engine.execute(resync.pk, schedule=lambda run, delay: None)
                durations.append(time.perf_counter() - started)
            if status != "succeeded":
                raise SystemExit(f"bench: a re-sync ended {status}: {resync.pk}")
            queries.append(len(captured))
            calls = [
                call["operation"]
                for step_calls in ReplicationStep.objects.filter(run=resync).values_list(
                    "aws_calls", flat=True
                )
                for call in step_calls
            ]
            operations.update(calls)
            reads.append(sum(1 for op in calls if is_read(op)))
            writes.append(sum(1 for op in calls if not is_read(op)))
            written.update(op for op in calls if not is_read(op))
    result = {
        "resyncs": options.resyncs,
        **common.summary_ms(durations),
        "reads_per_resync": round(statistics.fmean(reads), 2),
        "writes_per_resync": round(statistics.fmean(writes), 2),
        "writes_total": sum(writes),
        "written_operations": dict(written),
        "database_queries_per_resync": round(statistics.fmean(queries), 1),
        "operations_per_resync": {op: n / options.resyncs for op, n in operations.most_common()},
    }
    common.show(
        common.table(
            f"No-op re-sync: {options.resyncs} re-syncs of one ready account (in-process engine)",
            ["figure", "value"],
            [
                ["mean ms", result["mean_ms"]],
                ["median ms", result["median_ms"]],
                ["p95 ms", result["p95_ms"]],
                ["AWS reads per re-sync", result["reads_per_resync"]],
                ["AWS writes per re-sync", result["writes_per_resync"]],
                ["database queries per re-sync", result["database_queries_per_resync"]],
            ],
        )
    )
    if written:
        common.show(f"  writes made by re-syncs: {dict(written)}")
    path = common.write_json("resync", result)
    common.show(f"wrote {path.relative_to(common.ROOT)}")
    return result
