"""The page of one project account: its facts, its lifecycle (retirement forms in
retirements.py), its current run live, its run history, re-sync."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions as account_permissions
from accounts import selectors as account_selectors
from accounts.models import ProjectAccount
from accounts.roles import sees_step_detail
from accounts.signin import account_access, sign_in_links
from replication import selectors, services
from replication.desired import for_account
from replication.models import ReplicationRun, ReplicationStep
from replication.steps import STEP_NAMES, step_names
from replication.what_to_fix import run_advice

from .retirements import lifecycle_history, pending_retirement

RUNS_PER_PAGE = 20
TOTAL_STEPS = len(STEP_NAMES)
# A step that ended this way is done; a waiting or failed one is tried again next attempt.
DONE = {
    ReplicationStep.Status.OK,
    ReplicationStep.Status.CHANGED,
    ReplicationStep.Status.SKIPPED,
    ReplicationStep.Status.WARNING,
}


@dataclass
class Attempt:
    """The steps one attempt of a run recorded."""

    number: int
    steps: list[ReplicationStep] = field(default_factory=list)

    @property
    def last(self) -> ReplicationStep | None:
        return self.steps[-1] if self.steps else None


def _seconds(start, end) -> float | None:
    return (end - start).total_seconds() if start and end else None


def _account_or_404(pk: int, **options) -> ProjectAccount:
    found = account_selectors.project_account(pk, **options)
    if found is None:
        raise Http404(f"no project account {pk}")
    return found


def _run_or_404(request, account: ProjectAccount) -> tuple[ReplicationRun | None, bool]:
    """The run `?run=<uuid>` names (pinned), else the current or last one; 404 for a bad id."""
    wanted = request.GET.get("run", "").strip()
    if not wanted:
        return selectors.account_run(account), False
    try:
        run_id = uuid.UUID(wanted)
    except ValueError:
        raise Http404("not a run id") from None
    run = selectors.account_run(account, run_id=run_id)
    if run is None:
        raise Http404(f"account {account.pk} has no run {run_id}")
    return run, True


def _live_context(
    request, account: ProjectAccount, run: ReplicationRun | None, *, pinned: bool, history_row: bool
):
    """What _run_live.html shows: the run, its latest attempt's steps, progress, older attempts."""
    context = {
        "account": account, "run": run, "pinned": pinned, "history_row": history_row,
        "total_steps": len(step_names(run.purpose)) if run else TOTAL_STEPS,
        "show_detail": sees_step_detail(request.user),
    }  # fmt: skip
    if run is None:
        return context
    # The poll asks for the same run (when pinned) and says whether the page lists its row.
    query = {"run": run.pk} if pinned else {}
    if history_row:
        query["history_row"] = 1
    context["poll_url"] = reverse("project-account-live", args=[account.pk]) + (
        f"?{urlencode(query)}" if query else ""
    )
    attempts: dict[int, Attempt] = {}
    for step in run.steps.all():
        step.seconds = _seconds(step.started_at, step.finished_at)
        attempts.setdefault(step.attempt, Attempt(step.attempt)).steps.append(step)
    latest = attempts.get(run.attempt, Attempt(run.attempt))
    context.update(
        latest=latest,
        earlier=[attempts[number] for number in sorted(attempts) if number < run.attempt],
        steps_done=len({step.name for step in latest.steps if step.status in DONE}),
        active=run.status in ReplicationRun.ACTIVE,
        run_seconds=_seconds(run.started_at, run.finished_at),
        fix=run_advice(run, account, latest.steps),
        # A parked run (waiting for AWS, in line, or retrying) may be queued at once.
        can_retry_now=run.status == ReplicationRun.Status.WAITING and account.deleted_at is None,
    )
    return context


@permission_required(account_permissions.VIEW_PROJECT_ACCOUNTS, raise_exception=True)
@require_GET
def project_account_detail(request, account: int):
    """One project account: what it is, its mapped roles, its current run live, its history."""
    found = _account_or_404(account, with_role_mappings=True, with_retirement_flag=True)
    runs_page = Paginator(selectors.run_history(account=found), RUNS_PER_PAGE).get_page(
        request.GET.get("runs_page")
    )
    newest = list(runs_page.object_list)[:1] if runs_page.number == 1 else []
    if newest and not request.GET.get("run", "").strip():
        # The history's first row is the current or last run: no second read of it.
        run, pinned = selectors.with_steps(newest[0]), False
    else:
        run, pinned = _run_or_404(request, found)
    # Polls then refresh the run's row in the history too, when this page shows it.
    history_row = run is not None and any(row.pk == run.pk for row in runs_page.object_list)
    return render(
        request,
        "replication/projectaccount_detail.html",
        {
            **_live_context(request, found, run, pinned=pinned, history_row=history_row),
            "roles": for_account(found).roles,
            "sign_in": dict(sign_in_links(found)),
            "access": account_access(found),
            # What an earlier access mode of the platform made here; meshaws never deletes it.
            "left_behind": list(found.left_behind.all()),
            "runs_page": runs_page,
            "Lifecycle": ProjectAccount.Lifecycle,
            "pending_retirement": pending_retirement(found),
            "lifecycle_history": lifecycle_history(found),
        },
    )


@permission_required(account_permissions.VIEW_PROJECT_ACCOUNTS, raise_exception=True)
@require_GET
def project_account_live(request, account: int):
    """The current (or pinned) run alone, for htmx polling; also swaps the account's status."""
    found = _account_or_404(account)
    run, pinned = _run_or_404(request, found)
    history_row = request.GET.get("history_row") == "1"
    context = {
        **_live_context(request, found, run, pinned=pinned, history_row=history_row),
        "swap_account_facts": True,
    }
    return render(request, "replication/_run_live.html", context)


@permission_required(account_permissions.RESYNC, raise_exception=True)
@require_POST
def project_account_resync(request, account: int):
    """Replicate the account again now (or join the run in progress)."""
    found = _account_or_404(account)
    if found.deleted_at is not None:
        ended = "detached" if found.lifecycle == ProjectAccount.Lifecycle.DETACHED else "deleted"
        messages.error(request, f"This account is {ended}: it is not replicated any more.")
        return redirect("project-account-detail", account=found.pk)
    run, created = services.request_replication(
        account=found, trigger=ReplicationRun.Trigger.RESYNC, actor=request.user
    )
    if created:
        messages.success(request, f"Re-sync requested: run {str(run.pk)[:8]} queued.")
    else:
        messages.info(
            request,
            f"Re-sync requested: joined the run in progress ({str(run.pk)[:8]}, {run.status}).",
        )
    return redirect("project-account-detail", account=found.pk)
