"""What an installation holds, named by natural keys: the manifest the upgrade test compares.

`python tests/upgrade/inventory.py [MANIFEST]`, in a configured Django process (the repository
on PYTHONPATH, DJANGO_SETTINGS_MODULE and DATABASE_URL set), prints the inventory as JSON and,
given the manifest, what its credentials check found. build_fixture.py takes the same
inventory under the old code, passing the model names of that commit.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC

# Every model the upgrade test reads, by one name of its own: when a model moves to another
# app (same table kept), only its label here changes and the manifest stays as it is.
MODELS = {
    "location": "platforms.Location",
    "platform": "platforms.PlatformInstance",
    "landing_zone": "platforms.LandingZone",
    "role_mapping": "platforms.RoleMapping",
    "customer": "accounts.Customer",
    "project": "accounts.Project",
    "project_role": "accounts.ProjectRole",
    "binding": "accounts.Binding",
    "account": "accounts.ProjectAccount",
    "run": "replication.ReplicationRun",
    "step": "replication.ReplicationStep",
    "batch": "replication.ReplicationBatch",
    "audit_event": "audit.AuditEvent",
    "api_token": "meshaws_site.ApiToken",
    "user": "auth.User",
    "group": "auth.Group",
}

# The keys of meshaws_site/test_settings.py: the fixture's secrets, fingerprints and sessions
# were made under them.
SECRET_KEY = "meshaws-test-secret-key"
ENCRYPTION_KEYS = "dGVzdC1rZXktZm9yLW1lc2hhd3MtdGVzdHMtMDAwMDA="

# Rows a migration may add (new models, new permissions, grants by the role rules): the upgrade
# must keep the old rows, not match their count.
GROWING = ("permission", "content_type", "group_permissions")


def _when(moment) -> str | None:
    """A moment as ISO 8601 in UTC, the same from SQLite and PostgreSQL."""
    return moment.astimezone(UTC).isoformat() if moment else None


def _sorted(rows) -> list:
    """Rows in an order that depends on their values only, not on ids."""
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True))


class _Names:
    """The models of one code base, and the manifest's names for content types."""

    def __init__(self, models: dict[str, str]):
        """Look up every model of `models` (key: app_label.ModelName)."""
        from django.apps import apps

        self.model = {key: apps.get_model(label) for key, label in models.items()}
        self._key_of = {model: key for key, model in self.model.items()}

    def content_type(self, content_type) -> str:
        """A mapped model's own name, else `app_label.model` (e.g. for auth's models)."""
        key = self._key_of.get(content_type.model_class())
        return key or f"{content_type.app_label}.{content_type.model}"

    def permission(self, permission) -> str:
        """`<content type>.<codename>`."""
        return f"{self.content_type(permission.content_type)}.{permission.codename}"


def _platform(platform) -> str:
    """`<platform>.<location>`."""
    return f"{platform.identifier}.{platform.location.identifier}"


def _project(project) -> str:
    """`<customer>.<project>`."""
    return f"{project.customer.identifier}.{project.identifier}"


def _username(user) -> str | None:
    """The username of a nullable user reference."""
    return user.username if user else None


def _configuration(m) -> dict:
    """Locations, platforms, landing zones, role mappings."""
    zones = m["landing_zone"].objects.select_related("platform__location")
    mappings = m["role_mapping"].objects.select_related(
        "platform__location", "landing_zone__platform__location"
    )
    return {
        "locations": [[x.identifier, x.display_name] for x in m["location"].objects.all()],
        "platforms": [
            [_platform(p), p.location.identifier, p.display_name, p.region, p.provisioning,
             p.organization_root_account_role, p.account_email_template]
            for p in m["platform"].objects.select_related("location")
        ],
        "landing_zones": [
            [_platform(z.platform), z.identifier, z.target_organizational_unit,
             z.replaces_role_mappings, z.disabled, z.position]
            for z in zones
        ],
        "role_mappings": [
            [_platform(r.platform) if r.platform else None,
             f"{_platform(r.landing_zone.platform)}/{r.landing_zone.identifier}"
             if r.landing_zone else None,
             r.project_role, r.role_name, r.policy_arns, r.position]
            for r in mappings
        ],
    }  # fmt: skip


def _projects(m) -> dict:
    """Customers, projects, project roles, bindings, project accounts."""
    accounts = m["account"].objects.select_related(
        "project__customer", "platform__location", "landing_zone__platform"
    )
    return {
        "customers": [[c.identifier, c.display_name] for c in m["customer"].objects.all()],
        "projects": [
            [_project(p), p.customer.identifier, p.display_name, p.tags]
            for p in m["project"].objects.select_related("customer")
        ],
        "project_roles": [
            [r.identifier, r.display_name, r.rank] for r in m["project_role"].objects.all()
        ],
        "bindings": [
            [_project(b.project), b.user, b.role.identifier, _when(b.expires_at)]
            for b in m["binding"].objects.select_related("project__customer", "role")
        ],
        "accounts": [
            [_project(a.project), _platform(a.platform), _platform(a.landing_zone.platform),
             a.landing_zone.identifier, a.name, a.email, a.alias, a.aws_account_id,
             a.tenant_platform_number, a.status, a.create_request_id,
             _when(a.creation_requested_at), _when(a.creation_succeeded_at),
             _when(a.last_run_at), _when(a.deleted_at)]
            for a in accounts
        ],
    }  # fmt: skip


def _history(m) -> dict:
    """Runs (with account, project, customer), steps, batches (with runs), audit events."""
    runs = m["run"].objects.select_related(
        "account__project__customer", "account__platform__location", "requested_by"
    )
    steps = m["step"].objects.select_related("run")
    batches = m["batch"].objects.select_related("requested_by").prefetch_related("runs")
    events = m["audit_event"].objects.select_related("actor")
    return {
        "runs": [
            [str(r.id), r.account.name, _platform(r.account.platform),
             _project(r.account.project), r.account.project.customer.identifier,
             r.trigger, r.status, _username(r.requested_by), _when(r.created_at),
             _when(r.started_at), _when(r.finished_at), r.attempt, r.waits_in_line,
             r.timed_waits, r.wait_kind, _when(r.waiting_since), _when(r.next_attempt_at),
             _when(r.lease_expires_at), r.error, r.error_step, r.error_operation, r.error_code]
            for r in runs
        ],
        "steps": [
            [str(s.run.id), s.attempt, s.position, s.name, s.status, _when(s.started_at),
             _when(s.finished_at), s.remark, s.detail, s.aws_calls]
            for s in steps
        ],
        "batches": [
            [b.description, _username(b.requested_by), _when(b.created_at),
             sorted(str(run.id) for run in b.runs.all())]
            for b in batches
        ],
        # Services stamp these with the time they ran: the rows are named without it.
        "audit_events": [
            [e.action, e.object_type, e.object_repr, e.actor_name, _username(e.actor), e.remark]
            for e in events
        ],
    }  # fmt: skip


def _people(m, names: _Names) -> dict:
    """Users with groups and permissions, API tokens, groups with permissions."""
    users = m["user"].objects.prefetch_related("groups", "user_permissions__content_type")
    groups = m["group"].objects.prefetch_related("permissions__content_type")
    return {
        "users": [
            [u.username, u.email, u.is_active, u.is_staff, u.is_superuser,
             sorted(g.name for g in u.groups.all()),
             sorted(names.permission(p) for p in u.user_permissions.all())]
            for u in users
        ],
        "api_tokens": [
            [t.user.username, t.digest] for t in m["api_token"].objects.select_related("user")
        ],
        "groups": [g.name for g in groups],
        "group_permissions": {
            g.name: sorted(names.permission(p) for p in g.permissions.all()) for g in groups
        },
    }  # fmt: skip


def take_inventory(models: dict[str, str] = MODELS) -> dict:
    """Counts per model, every row and relation by natural keys, permissions, content types."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    names = _Names(models)
    m = names.model
    relations = {**_configuration(m), **_projects(m), **_history(m), **_people(m, names)}
    relations = {
        name: rows if isinstance(rows, dict) else _sorted(rows) for name, rows in relations.items()
    }
    counts = {key: model.objects.count() for key, model in m.items()}
    counts["batch_runs"] = m["batch"].runs.through.objects.count()
    counts["user_groups"] = m["user"].groups.through.objects.count()
    counts["group_permissions"] = m["group"].permissions.through.objects.count()
    counts["permission"] = Permission.objects.count()
    counts["content_type"] = ContentType.objects.count()
    return {
        "counts": counts,
        "relations": relations,
        # By id: permissions, admin log entries and generic relations point at these ids.
        "content_types": {names.content_type(ct): ct.pk for ct in ContentType.objects.all()},
    }


def check_credentials(credentials: dict) -> list[str]:
    """What no longer works: passwords, API tokens, stored platform secrets and fingerprints."""
    from django.contrib.auth import get_user_model
    from rest_framework.exceptions import AuthenticationFailed
    from rest_framework.request import Request
    from rest_framework.settings import api_settings
    from rest_framework.test import APIRequestFactory

    from platforms import secrets

    failures = []
    users = get_user_model().objects
    for username, password in credentials["passwords"].items():
        if not users.get(username=username).check_password(password):
            failures.append(f"password of {username} no longer matches")
    for username, key in credentials["api_tokens"].items():
        http = APIRequestFactory().get("/api/v1/", HTTP_AUTHORIZATION=f"Token {key}")
        found = None
        try:
            for authentication in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
                found = found or authentication().authenticate(Request(http))
        except AuthenticationFailed:
            found = None
        if found is None or found[0].username != username:
            failures.append(f"API token of {username} no longer authenticates as {username}")
    platforms = apps_model("platform").objects.select_related("location")
    stored = {_platform(p): p for p in platforms}
    for platform, values in credentials["platform_secrets"].items():
        for field, value in values.items():
            ciphertext = getattr(stored[platform], f"{field}_ciphertext")
            fingerprint = getattr(stored[platform], f"{field}_fingerprint")
            try:
                readable = secrets.decrypt(ciphertext) == value
            except secrets.SecretUnreadable:
                readable = False
            if not readable:
                failures.append(f"{platform} {field} no longer decrypts to its value")
            if fingerprint != secrets.fingerprint(value):
                failures.append(f"{platform} {field} fingerprint no longer matches its value")
    return failures


def apps_model(key: str, models: dict[str, str] = MODELS):
    """The model the manifest calls `key`."""
    from django.apps import apps

    return apps.get_model(models[key])


def main(argv: list[str]) -> None:
    """Print the inventory (and the credentials check against a manifest) as JSON."""
    import django

    django.setup()
    report = {"inventory": take_inventory()}
    if argv:
        with open(argv[0]) as manifest:
            report["credential_failures"] = check_credentials(json.load(manifest)["credentials"])
    json.dump(report, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
