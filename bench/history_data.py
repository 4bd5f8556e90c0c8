"""The history benchmark's dataset, generated inside PostgreSQL (see bench/history.py)."""

from __future__ import annotations

import time

from . import common

FULL = {"accounts": 10_000, "runs": 200_000, "steps": 1_000_000, "audit_events": 100_000}
SMALL_SCALE = 0.001  # 60 accounts, 200 runs (67 failed, 40 busy), 1,000 steps, 100 audit events
ACCOUNTS_PER_CUSTOMER = 100
BUSY_EVERY = 50  # every 50th run belongs to the busy account
FAILED_EVERY = 20  # 5% of runs failed
# Rows a page shows (50 accounts, runs or events; 20 runs on an account page), and then some,
# so that no dataset compares a short page with a full one.
FULL_PAGE, BUSY_RUNS = 60, 40
AUDITOR, SUPERUSER = "bench-auditor", "bench-admin"

STEP_ROWS = [
    (1, "validate", "ok", "5 names checked", "[]"),
    (2, "connect", "ok", "assumed the management role",
     '[{"service": "sts", "operation": "AssumeRole", "request_id": "r", "duration_ms": 6, '
     '"error_code": ""}]'),
    (3, "account", "ok", "account exists",
     '[{"service": "organizations", "operation": "DescribeAccount", "request_id": "r", '
     '"duration_ms": 5, "error_code": ""}]'),
    (4, "tags", "ok", "4 tags as wanted",
     '[{"service": "organizations", "operation": "ListTagsForResource", "request_id": "r", '
     '"duration_ms": 5, "error_code": ""}]'),
    (5, "organizational-unit", "ok", "in the landing zone's OU",
     '[{"service": "organizations", "operation": "ListParents", "request_id": "r", '
     '"duration_ms": 4, "error_code": ""}]'),
]  # fmt: skip


def sizes(scale: float) -> dict[str, int]:
    """Rows per table at `scale`, and how often a run fails or belongs to the busy account."""
    accounts = max(FULL_PAGE, round(FULL["accounts"] * scale))
    runs = max(1, round(FULL["runs"] * scale))
    return {
        "accounts": accounts,
        "customers": max(1, round(accounts / ACCOUNTS_PER_CUSTOMER)),
        "runs": runs,
        "audit_events": max(FULL_PAGE, round(FULL["audit_events"] * scale)),
        "failed_every": max(1, min(FAILED_EVERY, runs // FULL_PAGE)),
        "busy_every": max(1, min(BUSY_EVERY, runs // BUSY_RUNS)),
    }


def users():
    from django.contrib.auth import get_user_model

    from accounts.roles import AUDITOR as AUDITOR_ROLE
    from accounts.roles import OPERATOR
    from accounts.services import staff_user_create

    users = get_user_model().objects
    auditor = (
        users.filter(username=AUDITOR).first()
        or staff_user_create(
            username=AUDITOR, role=AUDITOR_ROLE, password=common.BENCH_PASSWORD, actor=None
        )[0]
    )
    operator = (
        users.filter(username="bench-operator").first()
        or staff_user_create(
            username="bench-operator", role=OPERATOR, password=common.BENCH_PASSWORD, actor=None
        )[0]
    )
    superuser = users.filter(username=SUPERUSER).first() or users.create_superuser(
        username=SUPERUSER, email="", password=common.BENCH_PASSWORD
    )
    return auditor, operator, superuser


def _platform():
    from sandbox import setup

    state = setup.SandboxState(
        endpoint_url="http://127.0.0.1:9", region="eu-central-1", organization_id="o-bench",
        root_id="r-bench", management_account_id=setup.MANAGEMENT_ACCOUNT_ID,
        meshcloud_account_id="210987654321", automation_account_id="310987654321",
        landing_zone_ou_id="ou-bench-landingzone", service_role_arn=
        f"arn:aws:iam::{setup.MANAGEMENT_ACCOUNT_ID}:role/{setup.SERVICE_ROLE}",
        automation_role_arn=f"arn:aws:iam::310987654321:role/{setup.AUTOMATION_ROLE}",
        account_access_role=setup.ACCOUNT_ACCESS_ROLE,
        service_user_arn="arn:aws:iam::210987654321:user/meshfed-service",
        access_key_id="AKIABENCHHISTORY0000", secret_access_key="bench-history-secret",  # noqa: S106 - never used
        privileged_external_id="bench-privileged-external-id",
        management_external_id="bench-management-external-id",
        automation_external_id="bench-automation-external-id",
        instance_arn="", identity_store_id="", permission_set_arns={}, users={},
    )  # fmt: skip
    return setup.configure_platform(state).platform


def generate(scale: float) -> dict:
    """Empty the tables and fill them with the dataset at `scale`; the sizes and seconds."""
    from django.db import connection
    from django.utils import timezone

    started = time.monotonic()
    common.empty_tables()
    _, operator, _ = users()
    platform = _platform()
    zone = platform.landing_zones.order_by("position").first()
    size = sizes(scale)
    per_customer = max(1, size["accounts"] // size["customers"])
    now = timezone.now()
    params = {
        "now": now, "customers": size["customers"], "per_customer": per_customer,
        "platform": platform.pk, "zone": zone.pk, "runs": size["runs"],
        "events": size["audit_events"], "operator": operator.pk,
        "busy_every": size["busy_every"], "failed_every": size["failed_every"],
        "failed_at": 7 % size["failed_every"],
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO accounts_customer (identifier, display_name, created_at)
            SELECT 'c' || lpad(i::text, 4, '0'), 'Customer ' || i, %(now)s
            FROM generate_series(1, %(customers)s) i""",
            params,
        )
        cursor.execute(
            """INSERT INTO accounts_project (customer_id, identifier, display_name, tags,
                created_at)
            SELECT c.id, 'p' || lpad(j::text, 5, '0'), 'Project ' || j,
                '{"cost-center": "42"}'::jsonb, %(now)s
            FROM accounts_customer c CROSS JOIN generate_series(1, %(per_customer)s) j""",
            params,
        )
        cursor.execute(
            """INSERT INTO accounts_projectaccount (project_id, platform_id, landing_zone_id,
                email, name, alias, tenant_platform_number, aws_account_id, create_request_id,
                status, last_run_at, created_at, deleted_at, lifecycle, status_message,
                warnings, actual, updated_at)
            SELECT p.id, %(platform)s, %(zone)s,
                'aws+' || c.identifier || '-' || p.identifier || '@bench.example',
                c.identifier || '-' || p.identifier,
                'sandbox-' || c.identifier || '-' || p.identifier,
                row_number() OVER (ORDER BY p.id),
                lpad((100000000000 + row_number() OVER (ORDER BY p.id))::text, 12, '0'),
                'car-' || p.id,
                CASE WHEN p.id %% 50 = 3 THEN 'failed'
                    WHEN p.id %% 100 = 1 THEN 'waiting_for_aws' ELSE 'ready' END,
                %(now)s, %(now)s - interval '400 days', NULL, 'active', '', 0, '{}'::jsonb,
                %(now)s
            FROM accounts_project p JOIN accounts_customer c ON c.id = p.customer_id""",
            params,
        )
        cursor.execute("SELECT min(id), count(*) FROM accounts_projectaccount")
        first_account, account_count = cursor.fetchone()
        params.update(first=first_account, others=max(1, account_count - 1))
        cursor.execute(
            """INSERT INTO accounts_replicationrun (id, account_id, trigger, status, created_at,
                started_at, finished_at, attempt, error, error_step, error_operation,
                error_code, requested_by_id, next_attempt_at, lease_expires_at, waits_in_line,
                timed_waits, wait_kind, purpose, updated_at)
            SELECT gen_random_uuid(),
                CASE WHEN i %% %(busy_every)s = 0 OR %(others)s = 0 THEN %(first)s
                    ELSE %(first)s + 1 + (i %% %(others)s) END,
                (ARRAY['account_created', 'configuration_changed', 'bindings_changed',
                    'project_changed', 'resync', 'schedule', 'command'])[1 + i %% 7],
                CASE WHEN failed THEN 'failed' ELSE 'succeeded' END,
                at, at + interval '1 second', at + (2 + i %% 90) * interval '1 second',
                1 + (i %% 3 = 0)::int,
                CASE WHEN failed THEN 'TagResource failed with AccessDenied: the role '
                    'may not tag accounts' ELSE '' END,
                CASE WHEN failed THEN 'tags' ELSE '' END,
                CASE WHEN failed THEN 'TagResource' ELSE '' END,
                CASE WHEN failed THEN 'AccessDenied' ELSE '' END,
                CASE WHEN i %% 10 = 0 THEN %(operator)s END, NULL, NULL, 0, 0, '', 'converge',
                at + (2 + i %% 90) * interval '1 second'
            FROM (SELECT i, %(now)s - interval '1 hour'
                    - (%(runs)s - i) * (interval '365 days' / %(runs)s) AS at,
                    i %% %(failed_every)s = %(failed_at)s AS failed
                  FROM generate_series(1, %(runs)s) i) g""",
            params,
        )
        # One run waiting on each account whose status says so (at most one active run each).
        cursor.execute(
            """INSERT INTO accounts_replicationrun (id, account_id, trigger, status, created_at,
                started_at, finished_at, attempt, error, error_step, error_operation,
                error_code, requested_by_id, next_attempt_at, lease_expires_at, waits_in_line,
                timed_waits, wait_kind, purpose, updated_at)
            SELECT gen_random_uuid(), a.id, 'resync', 'waiting', %(now)s - interval '5 minutes',
                %(now)s - interval '5 minutes', NULL, 2, '', '', '', '', NULL,
                %(now)s + interval '1 minute', NULL, 0, 0, '', 'converge', %(now)s
            FROM accounts_projectaccount a WHERE a.status = 'waiting_for_aws'""",
            params,
        )
        values = ", ".join(["(%s, %s, %s, %s, %s::jsonb)"] * len(STEP_ROWS))
        cursor.execute(
            f"""INSERT INTO accounts_replicationstep (run_id, attempt, position, name, status,
                started_at, finished_at, remark, detail, aws_calls)
            SELECT r.id, r.attempt, s.position, s.name, s.status,
                r.started_at + s.position * interval '100 milliseconds',
                r.started_at + s.position * interval '100 milliseconds'
                    + interval '80 milliseconds',
                s.remark, '', s.calls
            FROM accounts_replicationrun r
            CROSS JOIN (VALUES {values}) AS s(position, name, status, remark, calls)""",  # noqa: S608 - placeholders only
            [value for row in STEP_ROWS for value in row],
        )
        cursor.execute(
            """INSERT INTO audit_auditevent (created_at, actor_id, actor_name, action,
                object_type, object_id, object_repr, before, after, remark)
            SELECT %(now)s - (%(events)s - i) * (interval '365 days' / %(events)s),
                CASE WHEN i %% 3 = 0 THEN NULL ELSE %(operator)s END,
                CASE WHEN i %% 3 = 0 THEN 'system' ELSE 'bench-operator' END,
                (ARRAY['project_account.create', 'replication.request', 'binding.create',
                    'project.update', 'platform.update'])[1 + i %% 5],
                'project_account', (%(first)s + i %% (%(others)s + 1))::text,
                'c0001.p00001 on sandbox.local',
                '{"status": "pending", "alias": "sandbox-old"}'::jsonb,
                '{"status": "ready", "alias": "sandbox-new"}'::jsonb, ''
            FROM generate_series(1, %(events)s) i""",
            params,
        )
        cursor.execute("VACUUM ANALYZE")
        counts = {}
        for name, table in (("accounts", "accounts_projectaccount"),
                            ("runs", "accounts_replicationrun"),
                            ("steps", "accounts_replicationstep"),
                            ("audit_events", "audit_auditevent")):  # fmt: skip
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - our table names
            counts[name] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM accounts_replicationrun WHERE status = 'failed'")
        counts["failed_runs"] = cursor.fetchone()[0]
    counts["busy_account_runs"] = platform.project_accounts.get(pk=first_account).runs.count()
    return {
        "scale": scale,
        **counts,
        "busy_account": first_account,
        "generation_seconds": round(time.monotonic() - started, 1),
    }
