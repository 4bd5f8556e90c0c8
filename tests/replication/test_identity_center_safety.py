"""Identity Center mode: slow and failed assignments, crashes, the delegated role, stale ids."""

import pytest

import aws
from accounts.services import binding_create, project_create
from platforms.config_io import record_of
from replication.models import IdentityCenterUser, ReplicationRun
from replication.services import request_replication
from tests.helpers import (
    ADA,
    GRACE,
    Crash,
    assignments,
    calls,
    change_platform,
    clients,
    copy_of_the_management_role,
    crash_after_call,
    groups,
    members,
    role,
    run_to_end,
    step,
)

pytestmark = pytest.mark.sandbox

ADMINS = "mst-acme.web-admin"
IDENTITY_CENTER_STEPS = ("groups", "memberships", "assignments")


def statuses(run, name: str) -> list[str]:
    """The statuses of the run's step `name`, attempt by attempt."""
    return list(run.steps.filter(name=name).order_by("attempt").values_list("status", flat=True))


def test_assignments_in_progress_park_the_run_then_finish(enable_sso, strictness):
    strictness.assignment_polls_in_progress = 3
    account, run = enable_sso()
    status, scheduler = run_to_end(run.pk)
    assert status == "succeeded"
    # The creations' answers, then three polls IN_PROGRESS; the fourth poll ends them.
    assert statuses(run, "assignments") == ["waiting"] * 4 + ["changed"]
    assert len(scheduler.requests) == 4
    run.refresh_from_db()
    assert run.timed_waits == 4 and run.counted_attempts == 1
    assert calls(run, "assignments").count("CreateAccountAssignment") == 3


def test_a_failed_assignment_fails_the_step_with_aws_reason_and_is_asked_again(
    enable_sso, strictness, sandbox_state
):
    admin_set = sandbox_state.permission_set_arns["AdministratorAccess"]
    strictness.assignment_failures = {admin_set: "Received a 404 status error: No such role"}
    account, run = enable_sso()
    assert run_to_end(run.pk)[0] == "failed"
    run.refresh_from_db()
    assert (run.error_step, run.error_operation, run.error_code) == (
        "assignments", "CreateAccountAssignment", "FAILED",
    )  # fmt: skip
    assert "No such role" in run.error and "AdministratorAccess" not in run.error

    strictness.assignment_failures = {}
    again, _ = request_replication(account=account, trigger="resync", actor=None)
    assert run_to_end(again.pk)[0] == "succeeded"
    account.refresh_from_db()
    assert (ADMINS, "AdministratorAccess") in assignments(sandbox_state, account.aws_account_id)


def snapshot(state, account, project: str) -> dict:
    """What Identity Center holds for the account, its project's name taken out."""
    account.refresh_from_db()
    prefix = f"mst-acme.{project}-"
    ours = sorted(name.removeprefix(prefix) for name in groups(state) if name.startswith(prefix))
    return {
        "groups": ours,
        "members": {name: members(state, prefix + name) for name in ours},
        "assignments": [
            (group.removeprefix(prefix), permission_set)
            for group, permission_set in assignments(state, account.aws_account_id)
        ],
        "status": account.status,
    }


@pytest.mark.slow
def test_a_crash_after_any_identity_center_call_then_a_rerun_converges_without_duplicates(
    enable_sso, team, sandbox_state, monkeypatch
):
    account, run = enable_sso()
    assert run_to_end(run.pk)[0] == "succeeded"
    reference = snapshot(sandbox_state, account, "web")
    # The organization id is read once per platform, by this first run only.
    made = [
        (s.name, call["operation"])
        for s in run.steps.order_by("attempt", "position")
        for call in s.aws_calls
        if call["operation"] != "DescribeOrganization"
    ]
    positions = [n for n, (name, _) in enumerate(made, start=1) if name in IDENTITY_CENTER_STEPS]
    assert len(positions) > 20

    for position in positions:
        aws.forget_credentials()
        # As for the first run: no user id known yet, so the calls come in the same order.
        IdentityCenterUser.objects.all().delete()
        target = project_create(customer=team.customer, identifier=f"crash-{position}", actor=None)
        binding_create(project=target, user=ADA, role=role("admin"), actor=None)
        binding_create(project=target, user=GRACE, role=role("reader"), actor=None)
        with crash_after_call(monkeypatch, position):
            crashed, first = enable_sso(target=target)
            with pytest.raises(Crash):
                run_to_end(first.pk)
        first.refresh_from_db()
        assert first.status == "failed" and "internal error" in first.error, position

        again, created = request_replication(account=crashed, trigger="resync", actor=None)
        assert created and run_to_end(again.pk)[0] == "succeeded", (position, made[position - 1])
        assert snapshot(sandbox_state, crashed, target.identifier) == reference, (
            position, made[position - 1],
        )  # fmt: skip


def test_a_delegated_administrator_role_is_assumed_with_its_external_id(
    enable_sso, sso_platform, sandbox_state, monkeypatch
):
    # In the emulator the instance is the management account's: a role there stands in for
    # the delegated administrator account's.
    delegated = copy_of_the_management_role(sandbox_state, "IdentityCenterAdmin")
    center = dict(record_of(sso_platform).as_dict()["identityCenter"])
    center.update(roleArn=delegated, externalId=sandbox_state.management_external_id)
    change_platform(sso_platform, identityCenter=center)
    sent = []
    original = aws.roles.assume_role

    def spy(**kwargs):
        sent.append((kwargs["role_arn"], kwargs.get("external_id")))
        return original(**kwargs)

    monkeypatch.setattr(aws.roles, "assume_role", spy)
    account, run = enable_sso()
    assert run_to_end(run.pk)[0] == "succeeded"
    assert (delegated, sandbox_state.management_external_id) in sent
    account.refresh_from_db()
    assert len(assignments(sandbox_state, account.aws_account_id)) == 3


def test_a_user_made_again_is_looked_up_again(enable_sso, sandbox_state):
    account, run = enable_sso()
    run_to_end(run.pk)
    store, _ = clients(sandbox_state)
    old = sandbox_state.users[ADA]
    # AWS deletes a deleted user's memberships with it (moto keeps them: removed here).
    membership = aws.call(
        store, "get_group_membership_id", IdentityStoreId=sandbox_state.identity_store_id,
        GroupId=groups(sandbox_state)[ADMINS], MemberId={"UserId": old},
    )["MembershipId"]  # fmt: skip
    aws.call(store, "delete_group_membership", IdentityStoreId=sandbox_state.identity_store_id,
             MembershipId=membership)  # fmt: skip
    aws.call(store, "delete_user", IdentityStoreId=sandbox_state.identity_store_id, UserId=old)
    new = aws.call(
        store, "create_user", IdentityStoreId=sandbox_state.identity_store_id, UserName=ADA,
        DisplayName="Ada Lovelace", Name={"GivenName": "Ada", "FamilyName": "Lovelace"},
    )["UserId"]  # fmt: skip
    again, _ = request_replication(account=account, trigger="resync", actor=None)
    assert run_to_end(again.pk)[0] == ReplicationRun.Status.SUCCEEDED
    assert IdentityCenterUser.objects.get(user_name=ADA).user_id == new
    listed = aws.call(
        store, "list_group_memberships", IdentityStoreId=sandbox_state.identity_store_id,
        GroupId=groups(sandbox_state)[ADMINS],
    )["GroupMemberships"]  # fmt: skip
    assert [m["MemberId"]["UserId"] for m in listed] == [new]
    assert step(again, "memberships").status == "changed"
