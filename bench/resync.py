"""No-op re-sync: the AWS calls and time of a re-sync of an account that is already right.

In this process: a fresh emulator, the sandbox platform, one account replicated to `ready`,
then R re-syncs (`request_replication`, then `engine.execute` timed on its own). Every AWS
call a run records is a read (Get/List/Describe, and STS AssumeRole) or a write (anything
else); a no-op re-sync must write nothing. The first re-sync runs with this process' caches
(clients, assumed-role credentials) already warm from the creation, as in a worker.

Then the same in Identity Center mode (`sandbox-sso.local`): one account of a project with
three bound users (one per project role, each role mapped to a permission set). There a
no-op re-sync must also write no row of meshaws' Identity Center state, and read a bounded
number of times: per group, its description, its memberships and its assignments, never
anything per user.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter

from . import common

READ_PREFIXES = ("Get", "List", "Describe", "AssumeRole")
DATABASE_WRITES = ("INSERT", "UPDATE", "DELETE")
IDENTITY_CENTER_TABLES = ("replication_identitycenter",)
IDENTITY_CENTER_STEPS = ("groups", "memberships", "assignments")
# The sandbox's users, one bound with each project role.
SAMPLE_BINDINGS = (
    ("ada@sandbox.io", "admin"), ("grace@sandbox.io", "user"), ("linus@sandbox.io", "reader"),
)  # fmt: skip


def is_read(operation: str) -> bool:
    return operation.startswith(READ_PREFIXES)


def _replicate_to_end(run_id) -> str:
    from replication import engine

    for _ in range(30):
        status = engine.execute(run_id, schedule=lambda run, delay: None)
        if status != "waiting":
            return status
    raise SystemExit("bench: the account kept waiting")


def _resyncs(account, count: int) -> dict:
    """Re-sync the ready `account` `count` times, each timed on its own; the figures."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from replication import engine
    from replication.models import ReplicationRun, ReplicationStep

    durations, reads, writes, queries, row_writes, ours_written, ours_read = ([] for _ in range(7))
    written: Counter[str] = Counter()
    operations: Counter[str] = Counter()
    for _ in range(count):
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
        statements = [
            query["sql"]
            for query in captured.captured_queries
            if query["sql"].lstrip().upper().startswith(DATABASE_WRITES)
        ]
        # The run's own record (run, steps, account status) is written by every re-sync.
        row_writes.append(len(statements))
        ours_written.append(
            sum(1 for sql in statements if any(table in sql for table in IDENTITY_CENTER_TABLES))
        )
        steps = list(ReplicationStep.objects.filter(run=resync).values_list("name", "aws_calls"))
        calls = [call["operation"] for _, step_calls in steps for call in step_calls]
        ours_read.append(
            sum(
                1
                for name, step_calls in steps
                if name in IDENTITY_CENTER_STEPS
                for call in step_calls
                if is_read(call["operation"])
            )
        )
        operations.update(calls)
        reads.append(sum(1 for op in calls if is_read(op)))
        writes.append(sum(1 for op in calls if not is_read(op)))
        written.update(op for op in calls if not is_read(op))
    return {
        "resyncs": count,
        **common.summary_ms(durations),
        "reads_per_resync": round(statistics.fmean(reads), 2),
        "writes_per_resync": round(statistics.fmean(writes), 2),
        "writes_total": sum(writes),
        "written_operations": dict(written),
        "database_queries_per_resync": round(statistics.fmean(queries), 1),
        "database_writes_per_resync": round(statistics.fmean(row_writes), 1),
        "identity_center_reads_per_resync": round(statistics.fmean(ours_read), 2),
        "identity_center_rows_written_total": sum(ours_written),
        "operations_per_resync": {op: n / count for op, n in operations.most_common()},
    }


def _rows(result: dict) -> list[list[object]]:
    """The figures of one mode's re-syncs, as table rows."""
    return [
        ["mean ms", result["mean_ms"]],
        ["median ms", result["median_ms"]],
        ["p95 ms", result["p95_ms"]],
        ["AWS reads per re-sync", result["reads_per_resync"]],
        ["AWS writes per re-sync", result["writes_per_resync"]],
        ["database queries per re-sync", result["database_queries_per_resync"]],
        ["database writes per re-sync (the run's record)", result["database_writes_per_resync"]],
    ]


def _identity_center_account(state, customer):
    """A ready account on sandbox-sso.local of a project with one user bound per role."""
    from accounts.models import ProjectRole
    from accounts.services import binding_create, project_account_create, project_create
    from sandbox import setup

    platform = setup.configure_sso_platform(state).platform
    project = project_create(customer=customer, identifier="signed-in", actor=None)
    for user, role in SAMPLE_BINDINGS:
        binding_create(
            project=project, user=user, role=ProjectRole.objects.get(identifier=role), actor=None
        )
    account = project_account_create(project=project, platform=platform, actor=None)
    first = account.runs.get()
    if _replicate_to_end(first.pk) != "succeeded":
        raise SystemExit(f"bench: the Identity Center account did not become ready: {first.pk}")
    return account, len(platform.role_mappings.all())


def run(environment: common.BenchEnvironment, options) -> dict:
    from accounts.services import customer_create, project_account_create, project_create

    common.show(f"no-op re-sync: {options.resyncs} re-syncs of one account, in each mode ...")
    common.empty_tables()
    common.empty_redis(environment.redis_url)
    with common.Emulator(options.polls, common.OUTPUT / "logs" / "resync-emulator.log") as emulator:
        state, platform = common.bootstrap_platform(emulator.url, "resync")
        customer = customer_create(identifier="bench", actor=None)
        project = project_create(customer=customer, identifier="steady", actor=None)
        account = project_account_create(project=project, platform=platform, actor=None)
        first = account.runs.get()
        if _replicate_to_end(first.pk) != "succeeded":
            raise SystemExit(f"bench: the account did not become ready: {first.pk}")
        result = _resyncs(account, options.resyncs)
        sso_account, groups = _identity_center_account(state, customer)
        center = {"groups": groups, **_resyncs(sso_account, options.resyncs)}
    result["identity_center"] = center
    common.show(
        common.table(
            f"No-op re-sync: {options.resyncs} re-syncs of one ready account (in-process engine)",
            ["figure", "value"], _rows(result),
        )
    )  # fmt: skip
    common.show(
        common.table(
            f"No-op re-sync in Identity Center mode: {options.resyncs} re-syncs of one ready "
            f"account, {groups} groups, one user each",
            ["figure", "value"],
            [
                *_rows(center),
                ["Identity Center reads per re-sync (groups, members, assignments)",
                 center["identity_center_reads_per_resync"]],
                ["Identity Center rows written, all re-syncs",
                 center["identity_center_rows_written_total"]],
            ],
        )
    )  # fmt: skip
    for mode, figures in (("", result), (" in Identity Center mode", center)):
        if figures["written_operations"]:
            common.show(f"  writes made by re-syncs{mode}: {figures['written_operations']}")
    path = common.write_json("resync", result)
    common.show(f"wrote {path.relative_to(common.ROOT)}")
    return result
