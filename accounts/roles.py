"""The three staff roles, as Django groups, and which permissions each one holds.

The groups are made by a data migration; their permissions are (re)granted after every
`migrate` from the rules below, so a model added by a later migration is covered at once and
the code stays the one place that says who may do what.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from accounts.permissions import RESYNC_APP, RESYNC_CODENAME, RESYNC_MODEL
from audit.permissions import EXPORT_AUDIT_EVENTS

OPERATOR, SUPPORT, AUDITOR = "operator", "support", "auditor"
GROUP_OF_ROLE = {OPERATOR: "operators", SUPPORT: "support", AUDITOR: "auditors"}
ROLE_OF_GROUP = {group: role for role, group in GROUP_OF_ROLE.items()}

# Apps whose models are configuration and projects: operators change them, others read them.
CONFIGURATION_APPS = ("platforms", "accounts")
# Apps whose models are history, append-only: everyone reads them, nobody changes them by hand
# (a re-sync is requested through the `resync` permission, never by adding a run).
HISTORY_APPS = ("replication", "audit")

# Staff users are Django's auth users: operators add and change them (the Staff pages).
STAFF_APP, STAFF_MODEL = "auth", "user"
MANAGE_STAFF = f"{STAFF_APP}.change_{STAFF_MODEL}"

# The migration creates "re-sync" ahead of the model; when ProjectAccount declares it in
# Meta.permissions, Django finds this content type and permission and reuses them.
RESYNC_NAME = "Can request a re-sync of project accounts"


def ensure_resync_permission(content_type_model=ContentType, permission_model=Permission):
    """The custom `resync` permission, created if missing (models may be historical ones)."""
    content_type, _ = content_type_model.objects.get_or_create(
        app_label=RESYNC_APP, model=RESYNC_MODEL
    )
    permission, _ = permission_model.objects.get_or_create(
        content_type=content_type, codename=RESYNC_CODENAME, defaults={"name": RESYNC_NAME}
    )
    return permission


def _permissions(query: Q):
    return Permission.objects.filter(query)


def role_permissions(role: str):
    """The permissions the rules give `role`, among those that exist now."""
    in_configuration = Q(content_type__app_label__in=CONFIGURATION_APPS)
    viewing = Q(codename__startswith="view_")
    viewing_everything = viewing & Q(content_type__app_label__in=CONFIGURATION_APPS + HISTORY_APPS)
    resync = Q(content_type__app_label=RESYNC_APP, codename=RESYNC_CODENAME)
    audit_app, export_codename = EXPORT_AUDIT_EVENTS.split(".")
    export_audit = Q(content_type__app_label=audit_app, codename=export_codename)
    staff = Q(
        content_type__app_label=STAFF_APP,
        codename__in=[f"{verb}_{STAFF_MODEL}" for verb in ("view", "add", "change")],
    )
    if role == OPERATOR:
        return _permissions(in_configuration | viewing_everything | resync | export_audit | staff)
    if role == SUPPORT:
        return _permissions(viewing_everything | resync)
    if role == AUDITOR:
        return _permissions(viewing_everything | export_audit)
    raise ValueError(f"unknown role {role!r}")


def grant_role_permissions(**kwargs) -> None:
    """post_migrate: give each staff group exactly the permissions its rules name."""
    ensure_resync_permission()
    for role, group_name in GROUP_OF_ROLE.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        group.permissions.set(role_permissions(role))


def staff_role(user) -> str | None:
    """The user's staff role (operator, support or auditor), or None. Cached on the user."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_meshaws_staff_role"):
        names = set(user.groups.values_list("name", flat=True))
        user._meshaws_staff_role = next(
            (role for role, group in GROUP_OF_ROLE.items() if group in names), None
        )
    return user._meshaws_staff_role


def sees_step_detail(user) -> bool:
    """Whether `user` sees what steps compared and the AWS calls they made: operators and
    auditors do, support staff see only each step's remark (pages and API alike)."""
    return bool(getattr(user, "is_superuser", False)) or staff_role(user) in (OPERATOR, AUDITOR)


def staff_required(view):
    """Only users holding a staff role (or superusers) may use `view`; others get 403."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not (request.user.is_superuser or staff_role(request.user)):
            raise PermissionDenied("this page is for operators, support staff and auditors")
        return view(request, *args, **kwargs)

    return guarded


def staff_role_context(request) -> dict[str, str | None]:
    """Template context: `staff_role` of the signed-in user."""
    return {"staff_role": staff_role(getattr(request, "user", None))}


# The project roles every installation has (identifier, display name, rank).
DEFAULT_PROJECT_ROLES = (("admin", "Admin", 10), ("user", "User", 20), ("reader", "Reader", 30))


def ensure_default_project_roles(project_role_model=None, **kwargs) -> None:
    """Create admin, user and reader where missing (a migration, and after every migrate)."""
    if project_role_model is None:
        from .models import ProjectRole as project_role_model
    for identifier, display_name, rank in DEFAULT_PROJECT_ROLES:
        project_role_model.objects.get_or_create(
            identifier=identifier, defaults={"display_name": display_name, "rank": rank}
        )
