"""Retiring, detaching and releasing project accounts through the services: their rules."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

import aws
from accounts.models import AccountRetirement, ProjectAccount
from accounts.services import (
    account_detach,
    account_id_release,
    deletion_approve,
    deletion_decline,
    deletion_request,
    retirement_complete,
)
from audit.models import AuditEvent
from platforms.models import LandingZone
from replication.models import ReplicationRun

Lifecycle, Decision = ProjectAccount.Lifecycle, AccountRetirement.Decision


@pytest.fixture
def account(account_in_aws):
    """acme.web on aws-prod.eu, created in AWS (its first run over)."""
    return account_in_aws


def _errors(call, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        call(**kwargs)
    return refused.value.message_dict


def _lifecycle(account) -> str:
    return ProjectAccount.objects.values_list("lifecycle", flat=True).get(pk=account.pk)


def _events(account, verb: str):
    return AuditEvent.objects.filter(
        object_type="project_account", object_id=str(account.pk), action=f"project_account.{verb}"
    )


# The comment: required, at most 255 characters, printable.

BAD_COMMENTS = {
    "missing": (None, "required"),
    "empty": ("", "required"),
    "blank": ("   \n ", "required"),
    "too long": ("x" * 256, "at most 255"),
    "control characters": ("bye\x1b[31m", "control characters"),
    "not text": (["why"], "required"),
}


@pytest.mark.parametrize("case", list(BAD_COMMENTS))
def test_a_request_needs_a_comment_of_at_most_255_characters(account, alice, case):
    comment, problem = BAD_COMMENTS[case]
    errors = _errors(deletion_request, account=account, comment=comment, actor=alice)
    assert list(errors) == ["comment"] and problem in errors["comment"][0]
    assert _lifecycle(account) == Lifecycle.ACTIVE
    assert not AccountRetirement.objects.exists() and not _events(account, "deletion_request")


def test_a_comment_of_255_characters_is_taken_trimmed(account, alice):
    retirement = deletion_request(account=account, comment=f" {'x' * 255} ", actor=alice)
    assert retirement.comment == "x" * 255


@pytest.mark.parametrize(
    "service", [deletion_approve, deletion_decline, account_detach, account_id_release]
)
def test_every_transition_needs_a_comment(account, alice, olga, service):
    deletion_request(account=account, comment="project closed", actor=alice)
    assert "comment" in _errors(service, account=account, comment=" ", actor=olga)
    assert _lifecycle(account) == Lifecycle.DELETION_REQUESTED


# Request, approval (four eyes), decline.


def test_a_request_waits_for_a_second_operator(account, alice):
    retirement = deletion_request(account=account, comment="project closed", actor=alice)
    assert _lifecycle(account) == Lifecycle.DELETION_REQUESTED
    assert (retirement.decision, retirement.requested_by, retirement.comment) == (
        Decision.PENDING, alice, "project closed",
    )  # fmt: skip
    assert retirement.previous_lifecycle == Lifecycle.ACTIVE and not retirement.automatic
    assert account.runs.count() == 1  # nothing runs before the approval


def test_only_an_active_account_can_be_requested(account, alice):
    deletion_request(account=account, comment="project closed", actor=alice)
    errors = _errors(deletion_request, account=account, comment="again", actor=alice)
    assert "deletion requested" in errors["account"][0]
    assert AccountRetirement.objects.count() == 1


def test_the_requester_cannot_approve_their_own_request(account, alice):
    deletion_request(account=account, comment="project closed", actor=alice)
    errors = _errors(deletion_approve, account=account, comment="fine by me", actor=alice)
    assert "four eyes" in errors["account"][0]
    assert _lifecycle(account) == Lifecycle.DELETION_REQUESTED
    assert AccountRetirement.objects.get().decision == Decision.PENDING
    assert not _events(account, "deletion_approve") and account.runs.count() == 1


def test_another_operator_approves_and_a_run_retires_the_account(account, alice, olga):
    deletion_request(account=account, comment="project closed", actor=alice)
    retirement = deletion_approve(account=account, comment="checked with the owner", actor=olga)
    assert _lifecycle(account) == Lifecycle.RETIRING
    assert (retirement.decision, retirement.decided_by, retirement.decision_comment) == (
        Decision.APPROVED, olga, "checked with the owner",
    )  # fmt: skip
    run = account.runs.get(trigger=ReplicationRun.Trigger.DELETION_APPROVED)
    assert run.requested_by == olga and run.status == ReplicationRun.Status.PENDING


def test_a_decline_returns_the_account_to_its_previous_lifecycle(account, alice, olga):
    deletion_request(account=account, comment="project closed", actor=alice)
    retirement = deletion_decline(account=account, comment="still in use", actor=olga)
    assert _lifecycle(account) == Lifecycle.ACTIVE
    assert (retirement.decision, retirement.decided_by) == (Decision.DECLINED, olga)
    assert account.runs.count() == 1
    # A new request may follow.
    deletion_request(account=account, comment="now it is closed", actor=alice)
    assert _lifecycle(account) == Lifecycle.DELETION_REQUESTED


@pytest.mark.parametrize("service", [deletion_approve, deletion_decline])
def test_nothing_to_decide_without_a_pending_request(account, olga, service):
    errors = _errors(service, account=account, comment="why not", actor=olga)
    assert "no retirement request waiting" in errors["account"][0]
    assert _lifecycle(account) == Lifecycle.ACTIVE


def test_a_landing_zone_with_automated_approval_approves_at_once(account, alice):
    LandingZone.objects.filter(pk=account.landing_zone_id).update(automate_deletion_approval=True)
    retirement = deletion_request(account=account, comment="project closed", actor=alice)
    assert _lifecycle(account) == Lifecycle.RETIRING
    assert retirement.decision == Decision.APPROVED and retirement.automatic
    assert retirement.decided_by is None
    assert "automateDeletionApproval" in retirement.decision_comment
    run = account.runs.get(trigger=ReplicationRun.Trigger.DELETION_APPROVED)
    assert run.purpose == ReplicationRun.Purpose.RETIRE


def test_the_end_of_the_run_makes_the_account_deleted(account, alice, olga):
    deletion_request(account=account, comment="project closed", actor=alice)
    deletion_approve(account=account, comment="ok", actor=olga)
    retirement_complete(account=account)
    account.refresh_from_db()
    assert account.lifecycle == Lifecycle.DELETED and account.deleted_at is not None
    assert account.released_at is None and account.aws_account_id == "111122223333"
    assert AccountRetirement.objects.get().completed_at is not None


def test_only_a_retiring_account_is_completed(account):
    assert "account" in _errors(retirement_complete, account=account)
    assert _lifecycle(account) == Lifecycle.ACTIVE


# Detach and release.


def _refuse_aws(*args, **kwargs):
    raise AssertionError("no AWS call expected")


def test_detach_stops_managing_without_any_aws_call(
    account, alice, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(aws, "call", _refuse_aws)
    monkeypatch.setattr(aws, "paginate", _refuse_aws)
    with django_capture_on_commit_callbacks() as queued:
        account_detach(account=account, comment="handed over to the owner", actor=alice)
    account.refresh_from_db()
    assert account.lifecycle == Lifecycle.DETACHED
    assert account.deleted_at is not None and account.released_at is not None
    # Nothing queued, no run requested: no job could call AWS later either.
    assert queued == [] and account.runs.count() == 1


def test_detach_declines_a_pending_request(account, alice, olga):
    deletion_request(account=account, comment="project closed", actor=alice)
    account_detach(account=account, comment="the owner keeps it", actor=olga)
    retirement = AccountRetirement.objects.get()
    assert retirement.decision == Decision.DECLINED and retirement.decided_by == olga
    assert "detached instead" in retirement.decision_comment
    assert _lifecycle(account) == Lifecycle.DETACHED


def test_a_retiring_or_ended_account_is_not_detached(account, alice, olga):
    deletion_request(account=account, comment="project closed", actor=alice)
    deletion_approve(account=account, comment="ok", actor=olga)
    errors = _errors(account_detach, account=account, comment="no", actor=olga)
    assert "retiring" in errors["account"][0]
    retirement_complete(account=account)
    errors = _errors(account_detach, account=account, comment="no", actor=olga)
    assert "deleted" in errors["account"][0]


def test_release_is_only_for_a_deleted_account(account, alice, olga):
    errors = _errors(account_id_release, account=account, comment="free it", actor=alice)
    assert "only a deleted" in errors["account"][0]
    deletion_request(account=account, comment="project closed", actor=alice)
    deletion_approve(account=account, comment="ok", actor=olga)
    assert "account" in _errors(account_id_release, account=account, comment="free it", actor=alice)
    retirement_complete(account=account)
    account_id_release(account=account, comment="the id goes to the new team", actor=alice)
    account.refresh_from_db()
    assert account.released_at is not None and account.aws_account_id == "111122223333"
    errors = _errors(account_id_release, account=account, comment="again", actor=alice)
    assert "no AWS account id to release" in errors["account"][0]


def test_a_detached_account_has_its_id_released_already(account, alice):
    account_detach(account=account, comment="handed over", actor=alice)
    errors = _errors(account_id_release, account=account, comment="free it", actor=alice)
    assert "no AWS account id to release" in errors["account"][0]


# Audit: every transition, with its actor and comment.


VERBS = ("deletion_request", "deletion_approve", "deletion_decline", "retire", "detach", "release")


def _retired(account, alice, olga):
    deletion_request(account=account, comment="project closed", actor=alice)
    deletion_approve(account=account, comment="checked", actor=olga)
    retirement_complete(account=account)
    account_id_release(account=account, comment="id for reuse", actor=alice)


def _declined(account, alice, olga):
    deletion_request(account=account, comment="project closed", actor=alice)
    deletion_decline(account=account, comment="still needed", actor=olga)


def _detached(account, alice, olga):
    account_detach(account=account, comment="handed over", actor=olga)


@pytest.mark.parametrize(
    ("story", "expected"),
    [
        (_retired, [
            ("deletion_request", "alice", "project closed", "active", "deletion_requested"),
            ("deletion_approve", "olga", "checked", "deletion_requested", "retiring"),
            ("retire", "system", "retired", "retiring", "deleted"),
            ("release", "alice", "id for reuse", "deleted", "deleted"),
        ]),
        (_declined, [
            ("deletion_request", "alice", "project closed", "active", "deletion_requested"),
            ("deletion_decline", "olga", "still needed", "deletion_requested", "active"),
        ]),
        (_detached, [("detach", "olga", "handed over", "active", "detached")]),
    ],
)  # fmt: skip
def test_every_transition_is_audited_with_actor_and_comment(account, alice, olga, story, expected):
    story(account, alice, olga)
    events = AuditEvent.objects.filter(
        object_type="project_account", object_id=str(account.pk),
        action__in=[f"project_account.{verb}" for verb in VERBS],
    ).order_by("created_at", "id")  # fmt: skip
    assert [
        (event.action.split(".")[1], event.actor_name, event.remark,
         event.before["lifecycle"], event.after["lifecycle"])
        for event in events
    ] == expected  # fmt: skip


def test_an_automatic_approval_is_audited_as_the_systems(account, alice):
    LandingZone.objects.filter(pk=account.landing_zone_id).update(automate_deletion_approval=True)
    deletion_request(account=account, comment="project closed", actor=alice)
    approval = _events(account, "deletion_approve").get()
    assert approval.actor is None and approval.after["automatic"] is True
    assert "automateDeletionApproval" in approval.remark


def test_a_deleted_requester_leaves_the_request_readable(account, alice, olga):
    deletion_request(account=account, comment="project closed", actor=alice)
    get_user_model().objects.filter(pk=alice.pk).delete()
    retirement = AccountRetirement.objects.get()
    assert retirement.requested_by is None
    deletion_approve(account=account, comment="ok", actor=olga)
    assert _lifecycle(account) == Lifecycle.RETIRING
