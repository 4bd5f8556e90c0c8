"""Retiring project accounts: request, approval (four eyes), decline, completion; detaching an
account and releasing the AWS account id of a retired one. Replication does the AWS part.

The lifecycle (ProjectAccount.Lifecycle): active → deletion_requested → retiring → deleted, or
back to active on a decline; active → detached. Every transition is audited with its actor and
comment.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import signals
from accounts.models import AccountRetirement, ProjectAccount
from audit.services import audit_event_create

Lifecycle = ProjectAccount.Lifecycle
MAX_COMMENT_LENGTH = 255


def check_comment(comment, field: str = "comment") -> str:
    """The comment of a transition: required, at most 255 characters, printable."""
    if not isinstance(comment, str) or not comment.strip():
        raise ValidationError({field: "is required: say why"})
    comment = comment.strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        raise ValidationError(
            {field: f"has {len(comment)} characters; at most {MAX_COMMENT_LENGTH} are allowed"}
        )
    if any(ord(char) < 32 and char not in "\n\t" for char in comment) or "\x7f" in comment:
        raise ValidationError({field: "contains control characters"})
    return comment


def _locked(account: ProjectAccount) -> ProjectAccount:
    return (
        ProjectAccount.objects.select_for_update(of=("self",))
        .select_related("project__customer", "platform__location", "landing_zone")
        .get(pk=account.pk)
    )


def _pending(account: ProjectAccount) -> AccountRetirement:
    retirement = account.retirements.filter(decision=AccountRetirement.Decision.PENDING).first()
    if retirement is None or account.lifecycle != Lifecycle.DELETION_REQUESTED:
        raise ValidationError(
            {"account": f"{account} has no retirement request waiting for approval (it is "
             f"{account.get_lifecycle_display()})"}
        )  # fmt: skip
    return retirement


def _audit(account: ProjectAccount, action: str, actor, before: str, comment: str, **extra):
    return audit_event_create(
        actor=actor, action=f"project_account.{action}", object_type="project_account",
        object_id=account.pk, object_repr=str(account),
        before={"lifecycle": before},
        after={"lifecycle": account.lifecycle, "comment": comment, **extra},
        remark=comment,
    )  # fmt: skip


def _set_lifecycle(account: ProjectAccount, lifecycle: str, **fields) -> None:
    # updated_at: the live pages (replication.live) see the change.
    fields.setdefault("updated_at", timezone.now())
    account.lifecycle = lifecycle
    for name, value in fields.items():
        setattr(account, name, value)
    ProjectAccount.objects.filter(pk=account.pk).update(lifecycle=lifecycle, **fields)


@transaction.atomic
def deletion_request(
    *, account: ProjectAccount, comment: str, actor: AbstractBaseUser | None
) -> AccountRetirement:
    """Ask to retire `account`; a landing zone with automateDeletionApproval approves at once."""
    comment = check_comment(comment)
    account = _locked(account)
    if account.lifecycle != Lifecycle.ACTIVE:
        raise ValidationError(
            {"account": f"{account} is {account.get_lifecycle_display()}; only an active "
             "account can be retired"}
        )  # fmt: skip
    retirement = AccountRetirement.objects.create(
        account=account, requested_by=actor, comment=comment, previous_lifecycle=account.lifecycle
    )
    before = account.lifecycle
    _set_lifecycle(account, Lifecycle.DELETION_REQUESTED)
    _audit(account, "deletion_request", actor, before, comment, retirement=retirement.pk)
    if account.landing_zone.automate_deletion_approval:
        _approve(
            account, retirement, actor=None, automatic=True,
            comment=f"approved at once: landing zone {account.landing_zone.identifier} has "
            "automateDeletionApproval",
        )  # fmt: skip
    else:
        # After commit: a request rolled back must not ask anyone for an approval.
        transaction.on_commit(
            lambda: signals.retirement_needs_approval.send_robust(
                sender=AccountRetirement, retirement=retirement, account=account, actor=actor
            )
        )
    return retirement


@transaction.atomic
def deletion_approve(
    *, account: ProjectAccount, comment: str, actor: AbstractBaseUser
) -> AccountRetirement:
    """Approve the pending retirement of `account` (not by its requester); the run retires it."""
    comment = check_comment(comment)
    account = _locked(account)
    retirement = _pending(account)
    if actor is not None and retirement.requested_by_id == actor.pk:
        raise ValidationError(
            {"account": "you requested this retirement: another operator must approve it "
             "(four eyes)"}
        )  # fmt: skip
    return _approve(account, retirement, actor=actor, automatic=False, comment=comment)


def _approve(account, retirement, *, actor, automatic: bool, comment: str) -> AccountRetirement:
    retirement.decision = AccountRetirement.Decision.APPROVED
    retirement.decided_by, retirement.decided_at = actor, timezone.now()
    retirement.decision_comment, retirement.automatic = comment, automatic
    retirement.updated_at = retirement.decided_at
    retirement.save()
    before = account.lifecycle
    _set_lifecycle(account, Lifecycle.RETIRING)
    event = _audit(
        account, "deletion_approve", actor, before, comment, retirement=retirement.pk,
        automatic=automatic,
    )  # fmt: skip
    signals.replicate([account], signals.DELETION_APPROVED, actor, cause=event)
    return retirement


@transaction.atomic
def deletion_decline(
    *, account: ProjectAccount, comment: str, actor: AbstractBaseUser
) -> AccountRetirement:
    """Decline the pending retirement of `account`: it returns to its previous lifecycle."""
    comment = check_comment(comment)
    account = _locked(account)
    retirement = _pending(account)
    retirement.decision = AccountRetirement.Decision.DECLINED
    retirement.decided_by, retirement.decided_at = actor, timezone.now()
    retirement.decision_comment = comment
    retirement.updated_at = retirement.decided_at
    retirement.save()
    before = account.lifecycle
    _set_lifecycle(account, retirement.previous_lifecycle)
    _audit(account, "deletion_decline", actor, before, comment, retirement=retirement.pk)
    return retirement


@transaction.atomic
def retirement_complete(*, account: ProjectAccount, actor: AbstractBaseUser | None = None) -> None:
    """The retirement run is over: the account is deleted, its id and history kept forever."""
    account = _locked(account)
    if account.lifecycle != Lifecycle.RETIRING:
        raise ValidationError({"account": f"{account} is not being retired"})
    now = timezone.now()
    before = account.lifecycle
    _set_lifecycle(account, Lifecycle.DELETED, deleted_at=now)
    account.retirements.filter(
        decision=AccountRetirement.Decision.APPROVED, completed_at__isnull=True
    ).update(completed_at=now, updated_at=now)
    _audit(account, "retire", actor, before, "retired", aws_account_id=account.aws_account_id)


@transaction.atomic
def account_detach(
    *, account: ProjectAccount, comment: str, actor: AbstractBaseUser | None
) -> ProjectAccount:
    """Stop managing `account` without any AWS call; its AWS account is left as it is and may
    be adopted again (it is listed as unmanaged at the next discovery)."""
    comment = check_comment(comment)
    account = _locked(account)
    if account.lifecycle not in (Lifecycle.ACTIVE, Lifecycle.DELETION_REQUESTED):
        raise ValidationError(
            {"account": f"{account} is {account.get_lifecycle_display()}; only an active "
             "account (or one whose retirement awaits approval) can be detached"}
        )  # fmt: skip
    now = timezone.now()
    account.retirements.filter(decision=AccountRetirement.Decision.PENDING).update(
        decision=AccountRetirement.Decision.DECLINED, decided_by=actor, decided_at=now,
        decision_comment=f"detached instead: {comment}"[:255], updated_at=now,
    )  # fmt: skip
    before = account.lifecycle
    _set_lifecycle(account, Lifecycle.DETACHED, deleted_at=now, released_at=now)
    _audit(account, "detach", actor, before, comment, aws_account_id=account.aws_account_id)
    return account


@transaction.atomic
def account_id_release(
    *, account: ProjectAccount, comment: str, actor: AbstractBaseUser | None
) -> ProjectAccount:
    """Let the AWS account id of a deleted account be adopted again; the row keeps it."""
    comment = check_comment(comment)
    account = _locked(account)
    if account.lifecycle not in (Lifecycle.DELETED, Lifecycle.DETACHED):
        raise ValidationError(
            {"account": f"{account} is {account.get_lifecycle_display()}; only a deleted "
             "account's AWS account id can be released"}
        )  # fmt: skip
    if account.aws_account_id is None or account.released_at is not None:
        raise ValidationError({"account": f"{account} holds no AWS account id to release"})
    before = account.lifecycle
    _set_lifecycle(account, account.lifecycle, released_at=timezone.now())
    _audit(account, "release", actor, before, comment, aws_account_id=account.aws_account_id)
    return account
