"""Hierarchical OU assignment: an account below its landing zone's OU stays there, if allowed."""

import pytest

import aws
from replication.services import request_replication
from tests.helpers import calls, change_platform, management, run_to_end, step

pytestmark = pytest.mark.sandbox

HIERARCHICAL = "allowHierarchicalOrganizationalUnitAssignment"


@pytest.fixture
def org(sandbox_state):
    """The sandbox's organizations client, as the management account."""
    return management(sandbox_state.endpoint_url, "organizations")


def new_ou(org, parent: str, name: str) -> str:
    """The id of a new OU in `parent` (made outside meshaws)."""
    made = aws.call(org, "create_organizational_unit", ParentId=parent, Name=name)
    return made["OrganizationalUnit"]["Id"]


def parent_of(org, child: str) -> dict:
    return aws.call(org, "list_parents", ChildId=child)["Parents"][0]


@pytest.fixture
def ready(enable, org):
    """An account replicated once, into its landing zone's OU: (account, that OU's id)."""
    account, run = enable()
    assert run_to_end(run.pk)[0] == "succeeded"
    account.refresh_from_db()
    return account, parent_of(org, account.aws_account_id)["Id"]


def move(org, account, destination: str) -> None:
    source = parent_of(org, account.aws_account_id)["Id"]
    aws.call(
        org, "move_account", AccountId=account.aws_account_id, SourceParentId=source,
        DestinationParentId=destination,
    )  # fmt: skip


def resync(account, *, hierarchical: bool):
    """Set the platform's flag, then run the account (the change's run, or a re-sync)."""
    change_platform(account.platform, **{HIERARCHICAL: hierarchical})
    run, _ = request_replication(account=account, trigger="resync", actor=None)
    assert run_to_end(run.pk)[0] == "succeeded"
    return run


def test_list_parents_of_an_ou_answers_as_aws_does(org, sandbox_state):
    """The emulator answers ListParents for an OU with its parent and the parent's type."""
    target = sandbox_state.landing_zone_ou_id
    child = new_ou(org, target, "team")
    assert parent_of(org, child) == {"Id": target, "Type": "ORGANIZATIONAL_UNIT"}
    assert parent_of(org, target) == {"Id": sandbox_state.root_id, "Type": "ROOT"}


def test_an_account_in_a_nested_ou_stays_when_allowed(ready, org):
    account, target = ready
    nested = new_ou(org, new_ou(org, target, "team"), "squad")
    move(org, account, nested)
    run = resync(account, hierarchical=True)
    assert parent_of(org, account.aws_account_id)["Id"] == nested
    ou_step = step(run, "organizational-unit")
    assert ou_step.status == "ok"
    assert ou_step.remark == (
        f"stays in {nested}, an OU below {target} (hierarchical OU assignment)"
    )
    # The account's parent, then up from the nested OU until the target: nothing more.
    assert calls(run, "organizational-unit") == ["ListParents"] * 3


def test_an_account_in_a_nested_ou_is_moved_when_not_allowed(ready, org):
    account, target = ready
    nested = new_ou(org, new_ou(org, target, "team"), "squad")
    move(org, account, nested)
    change_platform(account.platform, **{HIERARCHICAL: True})
    run = resync(account, hierarchical=False)
    assert parent_of(org, account.aws_account_id)["Id"] == target
    ou_step = step(run, "organizational-unit")
    assert ou_step.status == "changed" and ou_step.remark == f"moved from {nested} to {target}"
    assert calls(run, "organizational-unit") == ["ListParents", "MoveAccount"]


@pytest.mark.parametrize("hierarchical", [True, False])
def test_an_account_in_an_unrelated_ou_is_moved_either_way(ready, org, sandbox_state, hierarchical):
    account, target = ready
    # Beside the target, and below an OU beside it: neither is inside the target.
    elsewhere = new_ou(org, new_ou(org, sandbox_state.root_id, "elsewhere"), "deeper")
    move(org, account, elsewhere)
    run = resync(account, hierarchical=hierarchical)
    assert parent_of(org, account.aws_account_id)["Id"] == target
    assert step(run, "organizational-unit").status == "changed"
    # Allowed: up from the OU to the root, where the walk stops; then the move.
    walk = ["ListParents"] * 2 if hierarchical else []
    assert calls(run, "organizational-unit") == ["ListParents", *walk, "MoveAccount"]


def test_an_account_in_the_root_is_moved_without_a_walk(ready, org, sandbox_state):
    account, target = ready
    move(org, account, sandbox_state.root_id)
    run = resync(account, hierarchical=True)
    assert parent_of(org, account.aws_account_id)["Id"] == target
    assert calls(run, "organizational-unit") == ["ListParents", "MoveAccount"]


def test_an_account_in_the_target_stays_with_one_call(ready, org):
    account, target = ready
    run = resync(account, hierarchical=True)
    assert parent_of(org, account.aws_account_id)["Id"] == target
    assert step(run, "organizational-unit").remark == f"in {target}"
    assert calls(run, "organizational-unit") == ["ListParents"]
