"""Retiring project accounts from the pages: the Retirements queue (requires approval, in
progress, retired) and the account page's request, approve, decline, detach and release forms."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions as account_permissions
from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.filters import AccountRetirementFilter
from accounts.models import AccountRetirement, ProjectAccount
from audit.models import AuditEvent
from meshaws_site.api import bound_filters
from replication import selectors
from replication.live import live_page

PAGE_SIZE = 50
Decision, Lifecycle = AccountRetirement.Decision, ProjectAccount.Lifecycle
# The queue's tabs: (label, which requests).
TABS = {
    "approval": ("Requires approval", Q(decision=Decision.PENDING)),
    "in_progress": (
        "In progress",
        Q(decision=Decision.APPROVED, account__lifecycle=Lifecycle.RETIRING),
    ),
    "retired": ("Retired", Q(decision=Decision.APPROVED, account__lifecycle=Lifecycle.DELETED)),
}
# The audit events of an account's lifecycle (accounts.services.retirement), as the account
# page's history names them.
LIFECYCLE_EVENTS = {
    "project_account.deletion_request": "retirement requested",
    "project_account.deletion_approve": "retirement approved",
    "project_account.deletion_decline": "retirement declined",
    "project_account.retire": "retired: the retirement run ended",
    "project_account.detach": "detached: no longer managed, no AWS call",
    "project_account.release": "AWS account id released",
}


def lifecycle_history(account: ProjectAccount) -> list[AuditEvent]:
    """The account's lifecycle transitions, oldest first, each with its actor and comment.

    Read only for an account that has some: not active, or asked to retire once (a declined
    request), as `has_retirements` (accounts.selectors.project_account) says.
    """
    ever_left_active = account.lifecycle != Lifecycle.ACTIVE or account.deleted_at is not None
    if not (ever_left_active or getattr(account, "has_retirements", True)):
        return []
    events = list(
        AuditEvent.objects.filter(
            object_type="project_account", object_id=str(account.pk),
            action__in=LIFECYCLE_EVENTS,
        ).order_by("created_at", "id")
    )  # fmt: skip
    for event in events:
        event.label = LIFECYCLE_EVENTS[event.action]
        event.comment = "" if event.action == "project_account.retire" else event.remark
    return events


def pending_retirement(account: ProjectAccount) -> AccountRetirement | None:
    """The retirement request awaiting a decision (read only when the lifecycle says so)."""
    if account.lifecycle != Lifecycle.DELETION_REQUESTED:
        return None
    return (
        account.retirements.filter(decision=Decision.PENDING).select_related("requested_by").first()
    )


@live_page("retirements", "accounts", "runs", "audit", per_user=True)
@permission_required(account_permissions.VIEW_RETIREMENTS, raise_exception=True)
@require_GET
def retirement_list(request):
    """The Retirements queue: one tab per stage, filtered, in pages."""
    tab = request.GET.get("tab", "approval")
    if tab not in TABS:
        raise Http404(f"no tab {tab!r} (there are: {', '.join(TABS)})")
    filters = bound_filters(AccountRetirementFilter, request.GET, selectors.retirements())
    # Each tab is a decision (and a lifecycle): the page filters by tab, not by decision.
    filters.filters.pop("decision")
    context = {"form": filters.form, "tab": tab, "Decision": Decision, "page": None}
    if not filters.is_valid():
        context["tabs"] = [(name, label, None) for name, (label, _) in TABS.items()]
        return render(request, "replication/retirement_list.html", context, status=400)
    counts = filters.qs.order_by().aggregate(
        **{name: Count("pk", filter=rows) for name, (_, rows) in TABS.items()}
    )
    context["tabs"] = [(name, label, counts[name]) for name, (label, _) in TABS.items()]
    rows = filters.qs.filter(TABS[tab][1])
    if tab == "retired":
        rows = rows.order_by("-completed_at", "-id")
    context["page"] = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "replication/retirement_list.html", context)


def _back(request, account: ProjectAccount):
    """Back to the queue when the form came from there, else to the account page."""
    queue = reverse("retirement-list")
    wanted = request.POST.get("next", "")
    if wanted.startswith(queue) and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(wanted)
    return redirect("project-account-detail", account=account.pk)


def _refusal(error: ValidationError) -> str:
    """A service's refusal, naming the field: `comment` (the form's) or `account`."""
    problems = getattr(error, "message_dict", {"account": error.messages})
    parts = [
        f"the comment {' '.join(messages_)}" if field == "comment" else " ".join(messages_)
        for field, messages_ in problems.items()
    ]
    return f"Not done: {'; '.join(parts)}."


def _found(account: int) -> ProjectAccount:
    found = account_selectors.project_account(account)
    if found is None:
        raise Http404(f"no project account {account}")
    return found


def _transition(request, account: int, service, done: str):
    """Call `service` on the account with the posted comment; say how it went."""
    found = _found(account)
    try:
        service(account=found, comment=request.POST.get("comment", ""), actor=request.user)
    except ValidationError as error:
        messages.error(request, _refusal(error))
    else:
        found.refresh_from_db(fields=["lifecycle"])
        messages.success(
            request, done.format(account=found, lifecycle=found.get_lifecycle_display())
        )
    return _back(request, found)


@permission_required(account_permissions.REQUEST_DELETION, raise_exception=True)
@require_POST
def project_account_retire(request, account: int):
    """Ask to retire the account (a second operator approves, unless the landing zone does)."""
    return _transition(
        request, account, account_services.deletion_request,
        "Retirement of {account} requested: it is now {lifecycle}.",
    )  # fmt: skip


@permission_required(account_permissions.APPROVE_DELETION, raise_exception=True)
@require_POST
def retirement_approve(request, account: int):
    """Approve the account's pending retirement (not its requester): a run retires it."""
    return _transition(
        request, account, account_services.deletion_approve,
        "Retirement of {account} approved: it is now {lifecycle}; a run retires it.",
    )  # fmt: skip


@permission_required(account_permissions.APPROVE_DELETION, raise_exception=True)
@require_POST
def retirement_decline(request, account: int):
    """Decline the account's pending retirement: it returns to its previous lifecycle."""
    return _transition(
        request, account, account_services.deletion_decline,
        "Retirement of {account} declined: it is {lifecycle} again.",
    )  # fmt: skip


@permission_required(account_permissions.DETACH, raise_exception=True)
@require_POST
def project_account_detach(request, account: int):
    """Stop managing the account, without any AWS call, once the operator confirmed it."""
    if request.POST.get("confirm") != "yes" and _found(account):
        messages.error(
            request,
            "Not done: confirm the detach (the confirm box): meshaws stops managing the "
            "account and leaves the AWS account as it is.",
        )
        return redirect("project-account-detail", account=account)
    return _transition(
        request, account, account_services.account_detach,
        "{account} is detached: meshaws no longer manages it and made no AWS call.",
    )  # fmt: skip


@permission_required(account_permissions.RELEASE, raise_exception=True)
@require_POST
def project_account_release(request, account: int):
    """Let another project account adopt the AWS account id of this deleted one."""
    return _transition(
        request, account, account_services.account_id_release,
        "The AWS account id of {account} is released: another project account may adopt it.",
    )  # fmt: skip
