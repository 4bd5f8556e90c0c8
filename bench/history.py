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

FULL = {"accounts": 10_000, "runs": 200_000, "steps": 1_000_000, "audit_events": 100_000}
SMALL_SCALE = 0.001  # 60 accounts, 200 runs (67 failed, 40 busy), 1,000 steps, 100 audit events
ACCOUNTS_PER_CUSTOMER = 100
BUSY_EVERY = 50  # every 50th run belongs to the busy account
FAILED_EVERY = 20  # 5% of runs failed
# Rows a page shows (50 accounts, runs or events; 20 runs on an account page), and then some,
# so that no dataset compares a short page with a full one.
FULL_PAGE, BUSY_RUNS = 60, 40
DEEP_PAGES = 50
OLDER_LINK = re.compile(r'<a href="([^"]*)" rel="next"')
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


def _users():
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
    )  # fmt: skip
    return setup.configure_platform(state).platform


def generate(scale: float) -> dict:
    """Empty the tables and fill them with the dataset at `scale`; the sizes and seconds."""
    from django.db import connection
    from django.utils import timezone

    started = time.monotonic()
    common.empty_tables()
    _, operator, _ = _users()
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
                status, last_run_at, created_at, deleted_at)
            SELECT p.id, %(platform)s, %(zone)s,
                'aws+' || c.identifier || '-' || p.identifier || '@bench.example',
                c.identifier || '-' || p.identifier,
                'sandbox-' || c.identifier || '-' || p.identifier,
                row_number() OVER (ORDER BY p.id),
                lpad((100000000000 + row_number() OVER (ORDER BY p.id))::text, 12, '0'),
                'car-' || p.id,
                CASE WHEN p.id %% 50 = 3 THEN 'failed' WHEN p.id %% 100 = 1 THEN 'waiting'
                    ELSE 'ready' END,
                %(now)s, %(now)s - interval '400 days', NULL
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
                timed_waits, wait_kind)
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
                CASE WHEN i %% 10 = 0 THEN %(operator)s END, NULL, NULL, 0, 0, ''
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
                timed_waits, wait_kind)
            SELECT gen_random_uuid(), a.id, 'resync', 'waiting', %(now)s - interval '5 minutes',
                %(now)s - interval '5 minutes', NULL, 2, '', '', '', '', NULL,
                %(now)s + interval '1 minute', NULL, 0, 0, ''
            FROM accounts_projectaccount a WHERE a.status = 'waiting'""",
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
        auditor, _, superuser = _users()
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
