"""The dashboard's getting-started checklist of a new installation: platform, customer, project,
enable, watch, each ticked once done, all read in one query."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet
from django.urls import reverse

from accounts import permissions as account_permissions
from accounts.models import Customer, Project, ProjectAccount
from platforms import permissions as platform_permissions
from platforms.models import PlatformInstance

from . import permissions
from .models import ReplicationRun


@dataclass(frozen=True)
class ChecklistStep:
    """One step of getting started: what to do, whether it is done, where to do it ("" where
    the user may not)."""

    key: str
    title: str
    hint: str
    done: bool
    url: str


def _exist(querysets: dict[str, QuerySet]) -> dict[str, bool]:
    """Whether each queryset has a row, asked in one query (`SELECT EXISTS(…), EXISTS(…)`)."""
    parts, params = [], []
    for queryset in querysets.values():
        sql, more = queryset.order_by().values("pk")[:1].query.sql_with_params()
        parts.append(f"EXISTS ({sql})")
        params.extend(more)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {name: bool(value) for name, value in zip(querysets, row, strict=True)}


def getting_started_steps(user) -> list[ChecklistStep] | None:
    """The checklist, in order, linked where `user` may do each step; None once every step
    is done (the dashboard hides it then)."""
    done = _exist(
        {
            "platform": PlatformInstance.objects.all(),
            "customer": Customer.objects.all(),
            "project": Project.objects.all(),
            "enable": ProjectAccount.objects.all(),
            "watch": ReplicationRun.objects.filter(finished_at__isnull=False),
        }
    )
    if all(done.values()):
        return None
    steps = (
        ("platform", "Configure a platform", "an AWS organization meshaws manages accounts in",
         "platform-create", "", platform_permissions.ADD_PLATFORM),
        ("customer", "Create a customer", "the owner of projects",
         "customer-list", "#new-customer", account_permissions.ADD_CUSTOMER),
        ("project", "Create a project", "it gets one AWS account per platform",
         "project-create", "", account_permissions.ADD_PROJECT),
        ("enable", "Enable a project on the platform", "meshaws creates its AWS account there",
         "projects-enable", "", account_permissions.ADD_PROJECT_ACCOUNT),
        ("watch", "Watch its run", "the steps that make AWS match the configuration, live",
         "replication-run-list", "", permissions.VIEW_RUNS),
    )  # fmt: skip
    return [
        ChecklistStep(
            key, title, hint, done[key], reverse(name) + anchor if user.has_perm(perm) else ""
        )
        for key, title, hint, name, anchor, perm in steps
    ]
