"""Builds the upgrade test's data: an installation at commit 829d729, dumped, and its manifest.

Rebuild from the repository root, against a throwaway checkout of the old commit (never this
tree), with PostgreSQL on 127.0.0.1:5432:

    git clone -q . /tmp/old-meshaws && git -C /tmp/old-meshaws checkout -q 829d729
    .venv/bin/python tests/upgrade/build_fixture.py /tmp/old-meshaws \
        --postgresql postgres://postgres@127.0.0.1:5432/upgrade_fixture_build

The old checkout's own code (its migrations, services and models, its real settings with the
fixed keys of meshaws_site/test_settings.py) migrates a fresh SQLite file and a scratch
PostgreSQL database (dropped afterwards) and fills both the same way. Both inventories must
agree; then data/ gets the SQLite dump (iterdump), the PostgreSQL dump (`pg_dump --inserts
--no-owner --no-privileges`) and the manifest (the inventory, with the passwords, token keys
and platform secrets the test checks).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from inventory import ENCRYPTION_KEYS, SECRET_KEY, take_inventory

COMMIT = "829d729"
DATA = Path(__file__).resolve().parent / "data"
# The model names at 829d729 (inventory.MODELS follows the code as it moves on).
MODELS_AT_COMMIT = {
    "location": "platforms.Location", "platform": "platforms.PlatformInstance",
    "landing_zone": "platforms.LandingZone", "role_mapping": "platforms.RoleMapping",
    "customer": "accounts.Customer", "project": "accounts.Project",
    "project_role": "accounts.ProjectRole", "binding": "accounts.Binding",
    "account": "accounts.ProjectAccount", "run": "accounts.ReplicationRun",
    "step": "accounts.ReplicationStep", "batch": "accounts.ReplicationBatch",
    "audit_event": "audit.AuditEvent", "api_token": "meshaws_site.ApiToken",
    "user": "auth.User", "group": "auth.Group",
}  # fmt: skip
PASSWORDS = {
    "olga": "olga-operates-upgrades-1",
    "aude": "aude-audits-upgrades-2",
    "sam": "sam-supports-upgrades-3",
    "ci-bot": "ci-bot-resyncs-upgrades-4",
    "rita": "rita-reads-the-admin-5",
}
SECRETS = {
    "aws-prod.eu": {
        "access_key": "AKIAIOSFODNN7EXAMPLE",
        "secret_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "privileged_external_id": "upgrade-fixture-privileged-id",
    },
}
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ROLE_MAPPINGS = [
    {"mapKey": "admin", "mapValue": {"roleName": "meshProjectAdminRole",
                                     "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}},
    {"mapKey": "user", "mapValue": {"roleName": "meshProjectUserRole", "policyArns": [
        "arn:aws:iam::aws:policy/PowerUserAccess",
        "arn:aws:iam::123456789012:policy/deny-leaving-org"]}},
    {"mapKey": "reader", "mapValue": {"roleName": "meshProjectReaderRole", "policyArn": None}},
]  # fmt: skip
PROD = {
    "platform": "aws-prod", "region": "eu-central-1",
    "meshfedServiceUser": {"accessKey": SECRETS["aws-prod.eu"]["access_key"],
                           "secretKey": SECRETS["aws-prod.eu"]["secret_key"]},
    "privilegedExternalId": SECRETS["aws-prod.eu"]["privileged_external_id"],
    "organizationRootAccountRole": "arn:aws:iam::123456789012:role/MeshfedServiceRole",
    "organizationRootAccountExternalId": "0d6f7e2a-5b1c-4c8e-9f3a-2e7d1b4c6a90",
    "automationAccountRole": "arn:aws:iam::210987654321:role/MeshfedAutomationRole",
    "roleMappings": ROLE_MAPPINGS,
    "meshProvisioning": {"accountEmailTemplate": "aws+%s@example.com"},
    "accountAccessRole": "MeshstackAccountAccessRole",
    "accountAliasPattern": "acme-<customer>-<project>", "enforceAccountAlias": True,
    "tagPrefix": "meshstack_",
    "landingZones": [
        {"identifier": "default", "displayName": "Default",
         "targetOrganizationalUnit": "ou-ab12-cdef3456"},
        {"identifier": "sandbox", "displayName": "Sandbox",
         "targetOrganizationalUnit": "ou-ab12-9f8e7d6c", "stackSetRegion": "eu-central-1",
         "roleMappings": ROLE_MAPPINGS[:1]},
    ],
}  # fmt: skip
EXTERNAL = {
    "platform": "aws-ext", "region": "eu-west-1",
    "webIdentity": {"roleArn": "arn:aws:iam::345678901234:role/MeshawsWebIdentity",
                    "tokenFile": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"},
    "organizationRootAccountRole": "arn:aws:iam::345678901234:role/MeshfedServiceRole",
    "automationAccountRole": "arn:aws:iam::345678901234:role/MeshfedAutomationRole",
    "roleMappings": ROLE_MAPPINGS[2:],
    "externalProvisioning": {"timeoutMinutes": 120},
    "waitForExternalAvm": True, "externalAvmTimeoutMinutes": 90,
    "landingZones": [{"identifier": "managed", "displayName": "Managed",
                      "targetOrganizationalUnit": "ou-cd34-11112222"}],
}  # fmt: skip


def at(minutes: float) -> datetime:
    """A fixed moment, `minutes` after the fixture's start, so both databases hold the same."""
    return T0 + timedelta(minutes=minutes)


def _fixed_key(username: str) -> str:
    """The API token key of `username`: fixed, so that both databases hold the same digest."""
    return hashlib.sha256(f"meshaws-upgrade-fixture/{username}".encode()).hexdigest()[:40]


def _settle(run, number: int, steps=(), **fields):
    """Give a run a fixed id and the state its replication left, with its steps."""
    from accounts.models import ReplicationRun, ReplicationStep

    where = f"{run.account.platform.identifier}/{run.account.name}/{number}"
    run_id = uuid.uuid5(uuid.NAMESPACE_URL, f"meshaws-upgrade-fixture/{where}")
    ReplicationRun.objects.filter(pk=run.pk).update(id=run_id, **fields)
    for position, (attempt, name, status, remark, calls) in enumerate(steps, start=1):
        ReplicationStep.objects.create(
            run_id=run_id, attempt=attempt, position=position, name=name, status=status,
            started_at=at(position), finished_at=at(position + 0.5), remark=remark,
            detail=f"{name}: compared and {status}", aws_calls=calls,
        )  # fmt: skip
    return ReplicationRun.objects.get(pk=run_id)


def _call(operation: str, status: str = "ok") -> list[dict]:
    """The AWS calls of a step: one call, e.g. `sts:AssumeRole`."""
    return [{"service": operation.split(":")[0], "operation": operation, "status": status}]


# (attempt, step, status, remark, AWS calls) of each settled run.
CREATED_AFTER_WAITS = [
    (1, "account", "waiting", "queued: 5 creations in flight", []),
    (2, "account", "waiting", "AWS is creating the account", _call("organizations:CreateAccount")),
    (3, "account", "changed", "created", _call("organizations:DescribeCreateAccountStatus")),
    (3, "access", "ok", "", _call("sts:AssumeRole")),
    (3, "finish", "ok", "", []),
]
DENIED = [(1, "validate", "ok", "", []), (1, "access", "failed", "denied", _call("sts:AssumeRole"))]
THROTTLED = [(20, "connect", "failed", "throttled", _call("organizations:DescribeOrganization"))]
WAITING_FOR_ACCESS = [(3, "access", "waiting", "the new account refuses the role yet", [])]
WAITING_FOR_AVM = [(4, "account", "waiting", "waiting for the external AVM", [])]


def _staff_and_configuration():
    """Staff users, tokens, a location and two platforms, customers, projects, bindings."""
    from django.contrib.auth.models import Permission

    from accounts import services
    from meshaws_site import tokens
    from platforms.importing import import_platform_text
    from platforms.services import location_create

    users = {}
    for username, role in (("olga", "operator"), ("aude", "auditor"), ("sam", "support"),
                           ("ci-bot", "support")):  # fmt: skip
        users[username], _ = services.staff_user_create(
            username=username, role=role, password=PASSWORDS[username], actor=None
        )
    olga = users["olga"]
    for username in ("olga", "ci-bot"):
        tokens.new_key = lambda username=username: _fixed_key(username)
        services.api_token_create(user=users[username], actor=olga)
    # A Django admin reader without a staff role, given model permissions directly.
    rita = users["rita"] = type(olga).objects.create_user(
        username="rita", email="rita@example.com", password=PASSWORDS["rita"], is_staff=True
    )
    for codename in ("view_replicationrun", "view_replicationstep"):
        rita.user_permissions.add(Permission.objects.get(codename=codename))

    location_create(identifier="eu", display_name="Europe", actor=olga)
    for record in (PROD, EXTERNAL):
        import_platform_text(json.dumps(record), filename="platform.json", location="eu",
                             actor=olga, reason="upgrade fixture")  # fmt: skip
    acme = services.customer_create(identifier="acme", display_name="ACME Corp", actor=olga)
    globex = services.customer_create(identifier="globex", display_name="Globex", actor=olga)
    billing = services.project_role_create(
        identifier="billing", display_name="Billing", rank=40, actor=olga
    )
    projects = {
        "acme.web": services.project_create(customer=acme, identifier="web", tags={
            "costCenter": "4711"}, actor=olga),
        "acme.data": services.project_create(
            customer=acme, identifier="data", display_name="Data lake", actor=olga),
        "globex.shop": services.project_create(customer=globex, identifier="shop", actor=olga),
    }  # fmt: skip
    return users, projects, billing


def _bindings(projects, billing, olga) -> None:
    """Four bindings, one with an expiry and one in a role an operator added."""
    from accounts import services
    from accounts.models import ProjectRole

    admin, user = (
        ProjectRole.objects.get(identifier="admin"),
        ProjectRole.objects.get(identifier="user"),
    )
    for project, person, role, expires_at in (
        ("acme.web", "alice@acme.example", admin, None),
        ("acme.web", "bob@acme.example", user, datetime(2099, 1, 1, tzinfo=UTC)),
        ("acme.data", "alice@acme.example", user, None),
        ("globex.shop", "carol@globex.example", billing, None),
    ):
        services.binding_create(
            project=projects[project], user=person, role=role, expires_at=expires_at, actor=olga
        )


def _accounts_and_history(users, projects, billing) -> None:
    """Four project accounts and their runs in every status, steps, waits and one batch."""
    from accounts import services
    from accounts.models import ProjectAccount, ReplicationBatch
    from platforms.models import PlatformInstance

    olga, sam = users["olga"], users["sam"]
    prod = PlatformInstance.objects.get(identifier="aws-prod")
    external = PlatformInstance.objects.get(identifier="aws-ext")
    create = services.project_account_create
    web = create(project=projects["acme.web"], platform=prod, actor=olga)
    data = create(project=projects["acme.data"], platform=prod, landing_zone="sandbox", actor=olga)
    shop = create(project=projects["globex.shop"], platform=prod, aws_account_id="111122223333",
                  actor=olga)  # fmt: skip
    web_ext = create(project=projects["acme.web"], platform=external, actor=olga)
    _bindings(projects, billing, olga)  # joins the runs in progress
    runs = {account.pk: account.runs.get() for account in (web, data, shop, web_ext)}

    _settle(
        runs[web.pk], 1, steps=CREATED_AFTER_WAITS, created_at=at(0), started_at=at(1),
        finished_at=at(20), status="succeeded", attempt=3, waits_in_line=1, timed_waits=1,
    )  # fmt: skip
    ProjectAccount.objects.filter(pk=web.pk).update(
        status="ready", aws_account_id="222233334444", create_request_id="car-0123456789abcdef",
        creation_requested_at=at(2), creation_succeeded_at=at(15), last_run_at=at(20),
    )  # fmt: skip
    failed, _ = services.request_replication(account=web, trigger="resync", actor=olga)
    _settle(
        failed, 2, steps=DENIED, created_at=at(60), started_at=at(61), finished_at=at(62),
        status="failed", attempt=1, error="AccessDenied on sts:AssumeRole", error_step="access",
        error_operation="AssumeRole", error_code="AccessDenied",
    )  # fmt: skip
    waiting, _ = services.request_replication(account=web, trigger="schedule", actor=None)
    _settle(
        waiting, 3, steps=WAITING_FOR_ACCESS, created_at=at(120), started_at=at(121),
        status="waiting", attempt=3, timed_waits=2, wait_kind="access", waiting_since=at(121),
        next_attempt_at=at(125),
    )  # fmt: skip
    _settle(
        runs[data.pk], 1, steps=DENIED[:1], created_at=at(5), started_at=at(200),
        status="running", attempt=1, lease_expires_at=at(215),
    )  # fmt: skip
    ProjectAccount.objects.filter(pk=data.pk).update(status="in_progress", last_run_at=at(200))
    _settle(
        runs[shop.pk], 1, steps=THROTTLED, created_at=at(6), started_at=at(7), finished_at=at(8),
        status="failed", attempt=20, error="throttled 20 times", error_step="connect",
        error_operation="DescribeOrganization", error_code="TooManyRequestsException",
    )  # fmt: skip
    ProjectAccount.objects.filter(pk=shop.pk).update(status="failed", last_run_at=at(8))
    _settle(
        runs[web_ext.pk], 1, steps=WAITING_FOR_AVM, created_at=at(9), started_at=at(10),
        status="waiting", attempt=4, waits_in_line=3, timed_waits=1,
        wait_kind="external-provisioning", waiting_since=at(10), next_attempt_at=at(70),
    )  # fmt: skip
    ProjectAccount.objects.filter(pk=web_ext.pk).update(status="waiting", last_run_at=at(10))

    # Joins the runs in progress of these accounts: no new run.
    batch = services.resync_batch_create(
        accounts=[web, data, web_ext], description="Re-sync of acme", actor=sam
    )
    ReplicationBatch.objects.filter(pk=batch.pk).update(created_at=at(210))
    last, _ = services.request_replication(account=shop, trigger="command", actor=None)
    _settle(last, 2, created_at=at(300), status="pending")
    again = services.resync_batch_create(accounts=[shop], description="Re-sync globex", actor=olga)
    ReplicationBatch.objects.filter(pk=again.pk).update(created_at=at(301))


def populate(out: Path) -> None:
    """Child process under the old code: migrate, fill, write the inventory to `out`."""
    import django

    django.setup()
    from accounts.replication import jobs
    from django.core.management import call_command
    from django.db import transaction

    # No worker and no Redis here: runs stay as _settle leaves them.
    jobs.enqueue = lambda run: None
    call_command("migrate", verbosity=0)
    with transaction.atomic():
        users, projects, billing = _staff_and_configuration()
        _accounts_and_history(users, projects, billing)
    credentials = {
        "passwords": PASSWORDS,
        "api_tokens": {user: _fixed_key(user) for user in ("olga", "ci-bot")},
        "platform_secrets": SECRETS,
    }
    out.write_text(json.dumps({"inventory": take_inventory(MODELS_AT_COMMIT),
                               "credentials": credentials}, sort_keys=True))  # fmt: skip


def _environment(old_checkout: Path, database_url: str, scratch: Path) -> dict[str, str]:
    """The old checkout's real settings with the fixed keys, on `database_url`."""
    return {
        **os.environ,
        "PYTHONPATH": str(old_checkout),
        "DJANGO_SETTINGS_MODULE": "meshaws_site.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "MESHAWS_ENCRYPTION_KEYS": ENCRYPTION_KEYS,
        "DATABASE_URL": database_url,
        "MESHAWS_VAR_DIR": str(scratch),
        "REDIS_URL": f"unix://{scratch}/no-redis.sock?db=0",
    }


def _build(old_checkout: Path, database_url: str, scratch: Path) -> dict:
    """Migrate and fill `database_url` with the old checkout; its inventory and credentials."""
    out = scratch / "built.json"
    subprocess.run(
        [sys.executable, __file__, "--populate", str(out)],
        cwd=old_checkout, env=_environment(old_checkout, database_url, scratch), check=True,
    )  # fmt: skip
    return json.loads(out.read_text())


def _postgresql(url: str, database: str | None):
    """`url` naming another database of the same server."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}")) if database else url


def _build_postgresql(old_checkout: Path, url: str, scratch: Path) -> dict:
    """_build on a scratch PostgreSQL database, dumped with pg_dump, then dropped."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_postgresql(url, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            built = _build(old_checkout, url, scratch)
            subprocess.run(
                ["pg_dump", "--inserts", "--no-owner", "--no-privileges", "--dbname", url,
                 "--file", str(DATA / f"at-{COMMIT}.postgresql.sql")], check=True,
            )  # fmt: skip
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return built


def main() -> None:
    """Build both databases with the old checkout, dump them, write the manifest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old_checkout", type=Path, nargs="?")
    parser.add_argument("--postgresql", help="URL of a scratch database to create and drop")
    parser.add_argument("--populate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.populate:
        populate(args.populate)
        return
    if args.old_checkout is None or not args.postgresql:
        parser.error("give the old checkout and --postgresql URL")
    old_checkout = args.old_checkout.resolve()
    DATA.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        sqlite_file = Path(scratch) / "meshaws.sqlite3"
        built = _build(old_checkout, f"sqlite:///{sqlite_file}", Path(scratch))
        with sqlite3.connect(sqlite_file) as connection:
            dump = "\n".join(connection.iterdump()) + "\n"
        (DATA / f"at-{COMMIT}.sqlite.sql").write_text(dump)
        on_postgresql = _build_postgresql(old_checkout, args.postgresql, Path(scratch))
    if on_postgresql != built:
        sys.exit("the SQLite and PostgreSQL builds differ; the manifest would fit only one")
    manifest = {"commit": COMMIT, **built}
    (DATA / f"at-{COMMIT}.expected.json").write_text(
        json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    )


if __name__ == "__main__":
    main()
