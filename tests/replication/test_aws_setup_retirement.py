"""docs/aws-setup.md allows every AWS call of a retirement, in the role that makes it, and lets
the management role close the organization's member accounts only."""

import pytest

import aws
from accounts.roles import OPERATOR
from accounts.services import deletion_approve, deletion_request, staff_user_create
from platforms.models import LandingZone
from replication.models import ReplicationRun
from tests.helpers import (
    EXAMPLE_VALUES,
    PASSWORD,
    allows,
    as_list,
    authorized,
    guide_policies,
    retired_ou,
    run_to_end,
)

pytestmark = pytest.mark.sandbox

PREFIXES = {
    "organizations": "organizations",
    "iam": "iam",
    "sts": "sts",
    "sso-admin": "sso",
    "identitystore": "identitystore",
}
STEP_ROLES = {
    "connect": "service-user",
    "account": "management-role",
    "untag": "management-role",
    "retire-ou": "management-role",
    "close": "management-role",
}
# revoke-access acts by mode: into the member account (SAML) or in Identity Center.
REVOKE_ROLES = {
    "sts": "management-role",
    "iam": "member-access-role",
    "sso-admin": "identity-center",
    "identitystore": "identity-center",
}


@pytest.fixture
def retired(alice, sandbox_state):
    """Retires a ready account (alice asks, olga approves); the retirement run, run to its end."""
    olga = staff_user_create(username="olga", role=OPERATOR, password=PASSWORD, actor=None)[0]

    def retire(account, run) -> ReplicationRun:
        ou = retired_ou(sandbox_state)
        LandingZone.objects.update(retired_organizational_unit=ou, close_account_on_deletion=True)
        assert run_to_end(run.pk)[0] == "succeeded"
        deletion_request(account=account, comment="the project is over", actor=alice)
        deletion_approve(account=account, comment="agreed", actor=olga)
        retirement = account.runs.get(purpose="retire")
        assert run_to_end(retirement.pk)[0] == "succeeded"
        return retirement

    return retire


@pytest.fixture
def untagged_keys(monkeypatch) -> set[str]:
    """The tag keys the run's UntagResource calls name (the calls still go out)."""
    sent: set[str] = set()
    original = aws.call

    def spy(client, method, **params):
        if method == "untag_resource":
            sent.update(params["TagKeys"])
        return original(client, method, **params)

    monkeypatch.setattr(aws, "call", spy)
    return sent


def recorded_actions(run) -> set[tuple[str, str]]:
    """(role, IAM action) for every AWS call the run's steps recorded."""
    return {
        (
            REVOKE_ROLES[call["service"]]
            if step.name == "revoke-access"
            else STEP_ROLES[step.name],
            f"{PREFIXES[call['service']]}:{call['operation']}",
        )
        for step in run.steps.all()
        for call in step.aws_calls
    }


def test_it_allows_every_call_of_a_retirement_in_saml_mode(
    enable, retired, sandbox_platform, untagged_keys
):
    retirement = retired(*enable())

    actions = recorded_actions(retirement)
    assert {
        ("management-role", "organizations:CloseAccount"),
        ("management-role", "organizations:MoveAccount"),
        ("management-role", "organizations:UntagResource"),
        ("member-access-role", "iam:UpdateAssumeRolePolicy"),
    } <= actions
    policies = guide_policies(tagPrefix=sandbox_platform.tag_prefix)
    refused = sorted(
        (role, action)
        for role, action in actions
        if not allows(policies[role], action, untagged_keys if "Untag" in action else ())
    )
    assert refused == []


def test_it_allows_every_call_of_a_retirement_in_identity_center_mode(
    enable_sso, retired, sandbox_state
):
    retirement = retired(*enable_sso())

    actions = recorded_actions(retirement)
    made = {action for role, action in actions if role == "identity-center"}
    assert {"sso:DeleteAccountAssignment", "identitystore:DeleteGroup"} <= made
    policies = guide_policies(
        identityCenterInstanceId=sandbox_state.instance_arn.rsplit("/", 1)[1],
        identityStoreId=sandbox_state.identity_store_id,
        identityCenterAccountId=sandbox_state.management_account_id,
        mappedPermissionSetArn="*",
    )
    assert sorted((r, a) for r, a in actions if not allows(policies[r], a)) == []


def test_it_lets_the_management_role_close_only_the_organizations_member_accounts():
    management = guide_policies(**EXAMPLE_VALUES)["management-role"]
    ours = f"arn:aws:organizations::{EXAMPLE_VALUES['managementAccountId']}:account"
    close = "organizations:CloseAccount"
    assert authorized(management, close, [f"{ours}/o-abcdef1234/555555555555"])
    other = "arn:aws:organizations::999999999999:account/o-abcdef1234/555555555555"
    assert not authorized(management, close, [other])
    assert not authorized(management, close, [f"{ours.rsplit(':', 1)[0]}:ou/o-abcdef1234/ou-x"])
    granting = [
        statement
        for statement in as_list(management["Statement"])
        if statement["Effect"] == "Allow" and close in as_list(statement["Action"])
    ]
    assert granting and all("*" not in as_list(s["Resource"]) for s in granting)
