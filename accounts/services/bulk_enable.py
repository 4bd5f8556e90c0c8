"""Enabling many projects on one platform at once: all of them, or none.

All or none, like adopting many accounts: a refusal names every project's problem at once, the
operator fixes them and sends the same selection again, and no half-enabled selection is left
to untangle. A project enabled on the platform already is not a problem: it is reported as
such and left alone, so that sending a selection twice enables nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Project, ProjectAccount
from audit.services import audit_event_create
from platforms.models import PlatformInstance

from .project_accounts import landing_zone_for, project_account_create

MAX_PROJECTS = 200


class Outcome:
    """What happened to one project of a bulk enable."""

    ENABLED = "enabled"
    ALREADY_ENABLED = "already_enabled"
    REFUSED = "refused"


@dataclass(frozen=True)
class EnableResult:
    """One project's result: its account (new, or the one it had already) or, refused, why."""

    project: Project
    outcome: str
    account: ProjectAccount | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def error_text(self) -> str:
        return "; ".join(
            " ".join(messages) if name == "__all__" else f"{name}: {' '.join(messages)}"
            for name, messages in self.errors.items()
        )


class EnableRefused(Exception):
    """Nothing was enabled. `errors`: the problems of the whole request, by field (platform,
    landing_zone, projects); `results`: each project's result, the refused ones with theirs."""

    def __init__(self, errors: dict[str, list[str]], results: Sequence[EnableResult] = ()):
        self.errors, self.results = errors, list(results)
        refused = [result for result in self.results if result.outcome == Outcome.REFUSED]
        parts = [f"{name}: {' '.join(messages)}" for name, messages in errors.items()]
        parts += [f"{result.project.full_identifier}: {result.error_text}" for result in refused]
        super().__init__("nothing was enabled: " + "; ".join(parts))


def _by_field(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


class _DryRun(Exception):
    """Leaves the transaction of a dry run, so that everything it wrote is rolled back."""


def _whole_request_errors(
    platform: PlatformInstance, projects: Sequence[Project], landing_zone: str | None
) -> dict[str, list[str]]:
    """Problems that refuse every project alike, each said once rather than once a project."""
    if not projects:
        return {"projects": ["choose at least one project"]}
    if len(projects) > MAX_PROJECTS:
        return {"projects": [f"{len(projects)} projects; at most {MAX_PROJECTS} at once"]}
    if platform.is_deprecated:
        return {
            "platform": [f"platform {platform.full_identifier} is deprecated: it accepts no "
                         "new accounts"]
        }  # fmt: skip
    try:
        landing_zone_for(platform, landing_zone)
    except ValidationError as error:
        return error.message_dict
    return {}


def projects_enable(
    *,
    platform: PlatformInstance,
    projects: Sequence[Project],
    landing_zone: str | None = None,
    actor: AbstractBaseUser | None,
    dry_run: bool = False,
) -> list[EnableResult]:
    """Enable each of `projects` on `platform` (in `landing_zone`, else the platform's first),
    in one transaction: all, or none (EnableRefused, with every project's result).

    Each new account is checked, audited and replicated as a single enable does
    (project_account_create); one more event records the whole. `dry_run`: check everything
    and write nothing (the accounts returned were not saved; they show the names they would
    get).
    """
    projects = list({project.pk: project for project in projects}.values())  # once each
    platform = PlatformInstance.objects.select_related("location").get(pk=platform.pk)
    errors = _whole_request_errors(platform, projects, landing_zone)
    if errors:
        raise EnableRefused(errors)
    existing = {
        account.project_id: account
        for account in ProjectAccount.objects.filter(
            platform=platform, project__in=projects, deleted_at__isnull=True
        )
    }
    results: list[EnableResult] = []
    try:
        with transaction.atomic():
            for project in projects:
                if project.pk in existing:
                    results.append(
                        EnableResult(project, Outcome.ALREADY_ENABLED, existing[project.pk])
                    )
                    continue
                try:
                    account = project_account_create(
                        project=project, platform=platform, landing_zone=landing_zone,
                        actor=actor,
                    )  # fmt: skip
                except ValidationError as error:
                    results.append(EnableResult(project, Outcome.REFUSED, errors=_by_field(error)))
                else:
                    results.append(EnableResult(project, Outcome.ENABLED, account))
            if any(result.outcome == Outcome.REFUSED for result in results):
                # Leaving by an exception rolls back every account made above, and the runs
                # they asked for (those are queued on commit only).
                raise EnableRefused({}, results)
            if dry_run:
                raise _DryRun
            _audit_the_whole(platform, results, actor)
    except _DryRun:
        pass
    return results


def _audit_the_whole(
    platform: PlatformInstance, results: list[EnableResult], actor: AbstractBaseUser | None
) -> None:
    enabled = [result for result in results if result.outcome == Outcome.ENABLED]
    if not enabled:
        return  # nothing changed: every project was enabled already
    audit_event_create(
        actor=actor, action="platform.enable_projects", object_type="platform",
        object_id=platform.pk, object_repr=platform.full_identifier,
        after={
            "landing_zone": enabled[0].account.landing_zone.identifier,
            "enabled": [result.project.full_identifier for result in enabled],
            "already_enabled": [
                result.project.full_identifier
                for result in results if result.outcome == Outcome.ALREADY_ENABLED
            ],
        },
    )  # fmt: skip
