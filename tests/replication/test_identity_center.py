"""Identity Center mode against the sandbox emulator: groups, members and assignments."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.services import binding_create, binding_delete
from platforms.config_io import record_of
from replication.desired import for_account
from replication.models import IdentityCenterGroup
from replication.services import request_replication
from tests.helpers import (
    ADA,
    GRACE,
    LINUS,
    WRITE_PREFIXES,
    add_member,
    assignments,
    calls,
    change_platform,
    groups,
    members,
    role,
    run_to_end,
    step,
)

pytestmark = pytest.mark.sandbox

ADMINS, READERS = "mst-acme.web-admin", "mst-acme.web-reader"


def resync(account):
    """The account's next run (the one a change asked for, or a re-sync), run to its end."""
    run, _ = request_replication(account=account, trigger="resync", actor=None)
    status = run_to_end(run.pk)[0]
    account.refresh_from_db()
    return status, run


def test_it_wants_a_group_per_mapped_role_with_the_bindings_not_expired(enable_sso, team):
    soon = timezone.now() + timedelta(hours=1)
    binding_create(project=team, user=LINUS, role=role("user"), expires_at=soon, actor=None)
    account, _ = enable_sso()
    wanted = {g.project_role: g for g in for_account(account).identity_center.groups}
    assert sorted(wanted) == ["admin", "reader", "user"]
    assert (wanted["admin"].display_name, wanted["admin"].members) == (ADMINS, (ADA,))
    assert wanted["reader"].members == (GRACE,) and wanted["user"].members == (LINUS,)
    team.bindings.filter(user=LINUS).update(expires_at=timezone.now())
    assert [
        g.members for g in for_account(account).identity_center.groups if g.project_role == "user"
    ] == [()]
    assert "acme.web" in wanted["admin"].description
    assert for_account(account).roles == ()


def test_a_new_account_ends_ready_with_its_groups_members_and_assignments(
    enable_sso, sandbox_state
):
    account, run = enable_sso()
    assert run_to_end(run.pk)[0] == "succeeded"
    account.refresh_from_db()
    assert account.status == "ready"
    assert {ADMINS, READERS, "mst-acme.web-user"} <= set(groups(sandbox_state))
    assert members(sandbox_state, ADMINS) == [ADA]
    assert members(sandbox_state, READERS) == [GRACE]
    assert members(sandbox_state, "mst-acme.web-user") == []
    assert assignments(sandbox_state, account.aws_account_id) == [
        (ADMINS, "AdministratorAccess"),
        (READERS, "ReadOnlyAccess"),
        ("mst-acme.web-user", "PowerUserAccess"),
    ]
    assert step(run, "identity-provider").status == step(run, "roles").status == "skipped"
    assert "IAM Identity Center" in step(run, "roles").remark
    first = {s.name: s.status for s in run.steps.filter(attempt=1)}
    assert (first["groups"], first["memberships"], first["assignments"]) == (
        "changed", "changed", "waiting",
    )  # fmt: skip
    assert step(run, "assignments").status == "changed"


def test_an_unknown_user_gives_a_warning_and_the_run_still_succeeds(enable_sso, team):
    binding_create(project=team, user="nobody@sandbox.io", role=role("user"), actor=None)
    _, run = enable_sso()
    assert run_to_end(run.pk)[0] == "succeeded"
    warned = step(run, "memberships")
    assert warned.status == "warning" and "nobody@sandbox.io" in warned.remark


def test_a_removed_binding_removes_the_membership_on_the_next_run(enable_sso, team, sandbox_state):
    binding_create(project=team, user=LINUS, role=role("admin"), actor=None)
    account, run = enable_sso()
    run_to_end(run.pk)
    assert members(sandbox_state, ADMINS) == [ADA, LINUS]
    binding_delete(binding=team.bindings.get(user=LINUS), actor=None)
    status, again = resync(account)
    assert status == "succeeded"
    assert members(sandbox_state, ADMINS) == [ADA]
    assert calls(again, "memberships").count("DeleteGroupMembership") == 1
    assert "DescribeUser" not in calls(again)  # the name of a member meshaws kept is known
    assert "removed 1" in step(again, "memberships").remark


def test_members_added_outside_meshaws_are_removed_and_reported(enable_sso, sandbox_state):
    account, run = enable_sso()
    run_to_end(run.pk)
    add_member(sandbox_state, READERS, LINUS)
    _, again = resync(account)
    assert members(sandbox_state, READERS) == [GRACE]
    reported = step(again, "memberships")
    assert reported.status == "changed" and f"{LINUS} from {READERS}" in reported.detail
    assert "outside meshaws" in reported.detail


def test_a_changed_mapping_adds_and_deletes_exactly_the_assignments_that_differ(
    enable_sso, sso_platform, sandbox_state
):
    account, run = enable_sso()
    run_to_end(run.pk)
    arns = sandbox_state.permission_set_arns
    change_platform(sso_platform, roleMappings=[
        {"mapKey": "admin", "mapValue": {"permissionSetArns": [arns["AdministratorAccess"], arns["ReadOnlyAccess"]]}},
        {"mapKey": "reader", "mapValue": {"permissionSetArns": [arns["ReadOnlyAccess"]]}},
    ])  # fmt: skip
    status, again = resync(account)
    assert status == "succeeded"
    assert assignments(sandbox_state, account.aws_account_id) == [
        (ADMINS, "AdministratorAccess"),
        (ADMINS, "ReadOnlyAccess"),
        (READERS, "ReadOnlyAccess"),
    ]
    writes = [op for op in calls(again) if op.startswith(WRITE_PREFIXES)]
    assert sorted(writes) == ["CreateAccountAssignment", "DeleteAccountAssignment"]
    # The group of a role no longer mapped stays (with what is attached to it outside meshaws).
    assert "mst-acme.web-user" in groups(sandbox_state)


def test_a_pattern_change_renames_the_groups_in_place(enable_sso, sso_platform, sandbox_state):
    account, run = enable_sso()
    run_to_end(run.pk)
    before = groups(sandbox_state)
    center = dict(record_of(sso_platform).as_dict()["identityCenter"])
    center["groupNamePattern"] = (
        "team-#{customerIdentifier}-#{projectIdentifier}-#{projectRoleIdentifier}"
    )
    change_platform(sso_platform, identityCenter=center)
    status, again = resync(account)
    assert status == "succeeded"
    after = groups(sandbox_state)
    assert after["team-acme-web-admin"] == before[ADMINS] and ADMINS not in after
    assert members(sandbox_state, "team-acme-web-admin") == [ADA]
    assert assignments(sandbox_state, account.aws_account_id)[0] == (
        "team-acme-web-admin", "AdministratorAccess",
    )  # fmt: skip
    writes = [op for op in calls(again) if op.startswith(WRITE_PREFIXES)]
    assert writes == ["UpdateGroup"] * 3
    assert IdentityCenterGroup.objects.get(project_role="admin").display_name == (
        "team-acme-web-admin"
    )


IDENTITY_CENTER_TABLES = (
    "identitycentergroup", "identitycentermembership", "identitycenteruser",
    "identitycenterassignment",
)  # fmt: skip


def test_a_no_op_resync_makes_no_write_and_no_call_per_user(enable_sso, team, sandbox_state):
    binding_create(project=team, user=LINUS, role=role("user"), actor=None)
    account, run = enable_sso()
    run_to_end(run.pk)
    with CaptureQueriesContext(connection) as queries:
        status, again = resync(account)
    assert status == "succeeded"
    made = calls(again)
    assert made and not [op for op in made if op.startswith(WRITE_PREFIXES)]
    # One group read, one membership list and one assignment list per project role.
    ours = calls(again, "groups", "memberships", "assignments")
    assert sorted(ours) == sorted(
        ["DescribeGroup", "ListGroupMemberships", "ListAccountAssignments"] * 3
    )
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and any(table in q["sql"] for table in IDENTITY_CENTER_TABLES)
    ]
    assert writes == []
    assert {s.status for s in again.steps.all()} <= {"ok", "skipped"}
