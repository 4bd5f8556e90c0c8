"""docs/aws-setup.md allows every AWS call a replication makes, in the role that makes it.

A full run against the sandbox emulator (with a bootstrap StackSet) and a re-sync record
their AWS calls step by step; each call must be allowed by the guide's policy of the role
whose credentials made it.
"""

import re
from pathlib import Path

import botocore.session
import pytest
from botocore import xform_name
from django.conf import settings

import aws
from platforms.connection import check_platform
from replication.services import request_replication
from tests.helpers import (
    EXAMPLE_VALUES,
    GUIDE,
    POLICY_MARKER,
    allows,
    as_list,
    authorized,
    guide_policies,
    run_to_end,
)

pytestmark = pytest.mark.sandbox

POLICY_NAMES = (
    "service-user",
    "management-role-trust",
    "management-role",
    "automation-role-trust",
    "automation-role",
    "member-access-role",
    "member-access-role-trust",
)
IAM_PREFIXES = {
    "organizations": "organizations",
    "iam": "iam",
    "sts": "sts",
    "cloudformation": "cloudformation",
    "sso-admin": "sso",
    "identitystore": "identitystore",
}
STEP_ROLES = {
    "connect": "service-user",
    "account": "management-role",
    "external-avm": "management-role",
    "tags": "management-role",
    "organizational-unit": "management-role",
    "access": "management-role",
    "alias": "member-access-role",
    "identity-provider": "member-access-role",
    "roles": "member-access-role",
    "bootstrap-stack": "automation-role",
    "groups": "identity-center",
    "memberships": "identity-center",
    "assignments": "identity-center",
    # A retirement's own steps (its account step is the one above).
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
CHECK_ROLES = {
    "sts": "service-user",
    "organizations": "management-role",
    "cloudformation": "automation-role",
}
# Every call the step modules can make, by role: the sandbox run takes only some paths (no
# known account id, in-flight creation, stale tag, foreign alias, new SAML metadata, changed
# template), so the rest is listed here and held against the code by a test below.
CALLS_IN_THE_STEPS = {
    "service-user": ("sts:AssumeRole",),
    "management-role": (
        "organizations:DescribeOrganization",
        "organizations:DescribeAccount",
        "organizations:DescribeCreateAccountStatus",
        "organizations:ListAccounts",
        "organizations:ListCreateAccountStatus",
        "organizations:CreateAccount",
        "organizations:ListTagsForResource",
        "organizations:TagResource",
        "organizations:UntagResource",
        "organizations:ListParents",
        "organizations:MoveAccount",
        "organizations:CloseAccount",
        "sts:AssumeRole",
    ),
    "member-access-role": (
        "iam:ListAccountAliases",
        "iam:DeleteAccountAlias",
        "iam:CreateAccountAlias",
        "iam:ListSAMLProviders",
        "iam:GetSAMLProvider",
        "iam:CreateSAMLProvider",
        "iam:UpdateSAMLProvider",
        "iam:GetRole",
        "iam:CreateRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:ListAttachedRolePolicies",
        "iam:AttachRolePolicy",
    ),
    "automation-role": (
        "cloudformation:DescribeStackSet",
        "cloudformation:CreateStackSet",
        "cloudformation:UpdateStackSet",
        "cloudformation:ListStackInstances",
        "cloudformation:DescribeStackInstance",
        "cloudformation:CreateStackInstances",
        "cloudformation:UpdateStackInstances",
        "cloudformation:DescribeStackSetOperation",
    ),
    # The management role, or the delegated administrator's role (docs/aws-setup.md §7).
    "identity-center": (
        "identitystore:DescribeGroup",
        "identitystore:GetGroupId",
        "identitystore:CreateGroup",
        "identitystore:UpdateGroup",
        "identitystore:GetUserId",
        "identitystore:DescribeUser",
        "identitystore:ListGroupMemberships",
        "identitystore:CreateGroupMembership",
        "identitystore:DeleteGroupMembership",
        "identitystore:DeleteGroup",
        "sso:ListAccountAssignments",
        "sso:CreateAccountAssignment",
        "sso:DeleteAccountAssignment",
        "sso:DescribeAccountAssignmentCreationStatus",
        "sso:DescribeAccountAssignmentDeletionStatus",
    ),
}
TAG_CALLS = {
    "tag_resource": "organizations:TagResource",
    "untag_resource": "organizations:UntagResource",
}
STEP_MODULES = Path(settings.BASE_DIR) / "replication" / "steps"
AWS_CALL = re.compile(r'aws\.(?:call|paginate)\(\s*\w+,\s*"(?P<method>[a-z_]+)"')


def role_of(step: str, service: str) -> str:
    """The guide's policy of the role whose credentials make `step`'s calls to `service`."""
    if step == "bootstrap-stack" and service == "sts":
        return "service-user"
    if step == "revoke-access":
        return REVOKE_ROLES[service]
    return STEP_ROLES[step]


def operations(method: str) -> set[str]:
    """The IAM actions a boto3 method name can stand for, across the services meshaws uses."""
    session = botocore.session.get_session()
    return {
        f"{prefix}:{operation}"
        for service, prefix in IAM_PREFIXES.items()
        for operation in session.get_service_model(service).operation_names
        if xform_name(operation) == method
    }


def recorded_actions(runs) -> set[tuple[str, str]]:
    """(role, IAM action) for every AWS call the runs' steps recorded."""
    return {
        (
            role_of(step.name, call["service"]),
            f"{IAM_PREFIXES[call['service']]}:{call['operation']}",
        )
        for run in runs
        for step in run.steps.all()
        for call in step.aws_calls
    }


def test_it_names_and_parses_every_policy_block():
    text = GUIDE.read_text()
    policies = guide_policies()
    assert set(POLICY_NAMES) <= set(policies)
    assert text.count("```json") == len(list(POLICY_MARKER.finditer(text)))
    for name, policy in policies.items():
        assert policy["Version"] == "2012-10-17", name
        assert as_list(policy["Statement"]), name


@pytest.fixture
def tag_keys_sent(monkeypatch) -> dict[str, set[str]]:
    """The tag keys each tag call of the run sends, by IAM action (the calls still go out)."""
    sent: dict[str, set[str]] = {action: set() for action in TAG_CALLS.values()}
    original = aws.call

    def spy(client, method, **params):
        if method == "tag_resource":
            sent[TAG_CALLS[method]] |= {tag["Key"] for tag in params["Tags"]}
        elif method == "untag_resource":
            sent[TAG_CALLS[method]] |= set(params["TagKeys"])
        return original(client, method, **params)

    monkeypatch.setattr(aws, "call", spy)
    return sent


def test_it_allows_every_call_of_a_full_run_and_a_resync(enable, sandbox_platform, tag_keys_sent):
    account, run = enable(landing_zone="bootstrapped")
    assert run_to_end(run.pk)[0] == "succeeded"
    resync, _ = request_replication(account=account, trigger="resync", actor=None)
    assert run_to_end(resync.pk)[0] == "succeeded"

    actions = recorded_actions([run, resync])
    # A platform in SAML mode: no Identity Center call (the next test runs that mode).
    assert {role for role, _ in actions} == set(CALLS_IN_THE_STEPS) - {"identity-center"}
    assert sorted(a for a in actions if a[1] not in CALLS_IN_THE_STEPS[a[0]]) == []
    assert tag_keys_sent["organizations:TagResource"]
    policies = guide_policies(tagPrefix=sandbox_platform.tag_prefix)
    refused = sorted(
        (role, action)
        for role, action in actions
        if not allows(policies[role], action, tag_keys_sent.get(action, ()))
    )
    assert refused == []


@pytest.mark.parametrize("action", TAG_CALLS.values())
def test_it_lets_the_management_role_tag_only_keys_under_the_prefix(action):
    management = guide_policies(tagPrefix="meshaws:")["management-role"]
    assert allows(management, action, {"meshaws:customer", "meshaws:cost-center"})
    assert not allows(management, action, {"meshaws:customer", "Owner"})
    assert not allows(management, action, {"other:meshaws:project"})


def test_it_allows_every_call_of_the_connection_check(sandbox_platform):
    with aws.capturing() as calls:
        checks = check_platform(sandbox_platform)
    assert all(check.passed for check in checks)

    actions = {
        (CHECK_ROLES[call.service], f"{IAM_PREFIXES[call.service]}:{call.operation}")
        for call in calls
    }
    assert ("management-role", "organizations:ListRoots") in actions
    policies = guide_policies()
    refused = sorted(
        (role, action) for role, action in actions if not allows(policies[role], action)
    )
    assert refused == []


def test_it_allows_every_call_the_step_modules_can_make():
    policies = guide_policies()
    refused = sorted(
        (role, action)
        for role, actions in CALLS_IN_THE_STEPS.items()
        for action in actions
        if not allows(policies[role], action)
    )
    assert refused == []


def test_it_allows_every_call_of_an_identity_center_run(enable_sso, sso_platform, sandbox_state):
    """A first run and a re-sync on sandbox-sso.local: the identity-center policy allows them."""
    account, run = enable_sso()
    assert run_to_end(run.pk)[0] == "succeeded"
    resync, _ = request_replication(account=account, trigger="resync", actor=None)
    assert run_to_end(resync.pk)[0] == "succeeded"

    actions = recorded_actions([run, resync])
    made = {action for role, action in actions if role == "identity-center"}
    assert made and made <= set(CALLS_IN_THE_STEPS["identity-center"])
    instance_id = sandbox_state.instance_arn.rsplit("/", 1)[1]
    policies = guide_policies(
        identityCenterInstanceId=instance_id,
        identityStoreId=sandbox_state.identity_store_id,
        identityCenterAccountId=sandbox_state.management_account_id,
        mappedPermissionSetArn="*",
    )
    assert sorted(a for a in made if not allows(policies["identity-center"], a)) == []


def test_it_lists_every_call_written_in_the_step_modules():
    listed = {action for actions in CALLS_IN_THE_STEPS.values() for action in actions}
    written = {
        match["method"]
        for module in STEP_MODULES.glob("*.py")
        for match in AWS_CALL.finditer(module.read_text())
    }
    assert written
    assert sorted(method for method in written if not operations(method) & listed) == []


def test_it_keeps_the_management_role_away_from_iam_and_everything():
    management = guide_policies()["management-role"]
    patterns = {
        pattern.lower()
        for statement in as_list(management["Statement"])
        if statement["Effect"] == "Allow"
        for pattern in as_list(statement.get("Action", []))
    }
    assert not patterns & {"*", "iam:*", "organizations:*", "sts:*"}
    assert not allows(management, "iam:CreateRole")
    assert not allows(management, "organizations:RemoveAccountFromOrganization")


INSTANCE = f"arn:aws:sso:::instance/{EXAMPLE_VALUES['identityCenterInstanceId']}"
MAPPED_SET = EXAMPLE_VALUES["mappedPermissionSetArn"]
OTHER_SET = f"arn:aws:sso:::permissionSet/{EXAMPLE_VALUES['identityCenterInstanceId']}/ps-ffff"
PROJECT_ACCOUNT = "arn:aws:sso:::account/555555555555"
MANAGEMENT_ACCOUNT = f"arn:aws:sso:::account/{EXAMPLE_VALUES['managementAccountId']}"


@pytest.mark.parametrize("action", ["sso:CreateAccountAssignment", "sso:DeleteAccountAssignment"])
def test_it_keeps_assignments_out_of_the_management_account_without_iam(action):
    """IAM Identity Center makes its roles with the caller's credentials only there."""
    center = guide_policies(**EXAMPLE_VALUES)["identity-center"]
    assert authorized(center, action, [INSTANCE, MAPPED_SET, PROJECT_ACCOUNT])
    assert not authorized(center, action, [INSTANCE, MAPPED_SET, MANAGEMENT_ACCOUNT])
    assert not any(
        pattern.lower().startswith("iam:") or pattern == "*"
        for statement in as_list(center["Statement"])
        if statement["Effect"] == "Allow"
        for pattern in as_list(statement["Action"])
    )


def test_it_checks_and_assigns_only_mapped_permission_sets_and_removes_any():
    """Describe and create name the mapped sets; delete reaches sets no longer mapped."""
    center = guide_policies(**EXAMPLE_VALUES)["identity-center"]
    assert authorized(center, "sso:DescribePermissionSet", [INSTANCE, MAPPED_SET])
    assert not authorized(center, "sso:DescribePermissionSet", [INSTANCE, OTHER_SET])
    create = "sso:CreateAccountAssignment"
    assert not authorized(center, create, [INSTANCE, OTHER_SET, PROJECT_ACCOUNT])
    delete = "sso:DeleteAccountAssignment"
    assert authorized(center, delete, [INSTANCE, OTHER_SET, PROJECT_ACCOUNT])


def test_it_reaches_the_identity_store_of_the_management_account_from_a_delegated_role():
    """The store's ARN names the instance's account, the management account, whoever calls."""
    center = guide_policies(**EXAMPLE_VALUES)["identity-center"]
    store_id = EXAMPLE_VALUES["identityStoreId"]
    store = (
        f"arn:aws:identitystore::{EXAMPLE_VALUES['managementAccountId']}:identitystore/{store_id}"
    )
    group, user = "arn:aws:identitystore:::group/g-1", "arn:aws:identitystore:::user/u-1"
    member = [store, group, user]
    assert EXAMPLE_VALUES["identityCenterAccountId"] != EXAMPLE_VALUES["managementAccountId"]
    assert authorized(center, "identitystore:CreateGroupMembership", member)
    other_store = store.replace(store_id, "d-ffffffffff")
    assert not authorized(center, "identitystore:CreateGroupMembership", [other_store, group, user])
