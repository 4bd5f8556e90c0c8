"""docs/aws-setup.md's permission policies pass parliament and keep StackSet writes scoped.

parliament knows every action's resource types and condition keys (from the Service
Authorization Reference), so it finds what the emulator lets through and AWS refuses: an
action granted only on ARNs it cannot be scoped to, a condition key it does not support.
"""

import json
import re

import parliament
import pytest

from tests.helpers import EXAMPLE_VALUES, as_list, guide_policies

PERMISSION_POLICIES = {
    "service-user",
    "management-role",
    "automation-role",
    "stackset-administration-role",
    "member-access-role",
    "web-identity-role",
    "identity-center",
}
# Findings kept on purpose, each for its reason. Nothing else may be reported.
ACCEPTED = {
    # Assuming meshaws' two roles is all the user may do, or the role of keyless credentials.
    ("service-user", "CREDENTIALS_EXPOSURE"),
    ("web-identity-role", "CREDENTIALS_EXPOSURE"),
    # The only way into member accounts, and only with the privileged external id.
    ("management-role", "CREDENTIALS_EXPOSURE"),
    # AWS's own StackSet administration role: it exists to assume the execution roles.
    ("stackset-administration-role", "CREDENTIALS_EXPOSURE"),
    # Keeping the mapped roles and the SAML provider is the job; scoped to their names and ARNs.
    ("member-access-role", "PERMISSIONS_MANAGEMENT_ACTIONS"),
}
MESHAWS_STACK_SETS = "arn:aws:cloudformation:*:*:stackset/meshaws-*:*"
NAMED_STACK_SETS = "arn:aws:cloudformation:*:*:stackset/${stackSetName}:*"
PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


def permission_policies() -> dict[str, dict]:
    """The guide's identity policies (no Principal: those are trust policies), filled in."""
    return {
        name: policy
        for name, policy in guide_policies(**EXAMPLE_VALUES).items()
        if not any("Principal" in statement for statement in as_list(policy["Statement"]))
    }


def test_it_fills_every_placeholder_of_the_permission_policies():
    policies = permission_policies()
    assert set(policies) >= PERMISSION_POLICIES
    left = {name: PLACEHOLDER.findall(json.dumps(p)) for name, p in policies.items()}
    assert {name: found for name, found in left.items() if found} == {}


def test_parliament_finds_nothing_but_the_accepted_findings():
    found = {
        (name, finding.issue): finding.detail
        for name, policy in permission_policies().items()
        for finding in parliament.analyze_policy_string(
            json.dumps(policy), include_community_auditors=True
        ).findings
    }
    assert {key: detail for key, detail in found.items() if key not in ACCEPTED} == {}
    assert ACCEPTED <= set(found), "an accepted finding is gone: drop it from the list"


@pytest.mark.parametrize(
    "action",
    ["cloudformation:UpdateStackSet", "cloudformation:CreateStackInstances",
     "cloudformation:UpdateStackInstances"],
)  # fmt: skip
def test_stack_set_writes_reach_only_meshaws_and_named_stack_sets(action):
    automation = guide_policies()["automation-role"]
    granting = [
        statement
        for statement in as_list(automation["Statement"])
        if statement["Effect"] == "Allow" and action in as_list(statement["Action"])
    ]
    assert granting
    for statement in granting:
        stack_sets = {r for r in as_list(statement["Resource"]) if ":stackset/" in r}
        assert "*" not in as_list(statement["Resource"])
        assert stack_sets and stack_sets <= {MESHAWS_STACK_SETS, NAMED_STACK_SETS}
        if action == "cloudformation:UpdateStackSet":
            assert stack_sets == {MESHAWS_STACK_SETS}


def test_create_stack_set_stands_alone_on_every_resource():
    automation = guide_policies()["automation-role"]
    granting = [
        statement
        for statement in as_list(automation["Statement"])
        if "cloudformation:CreateStackSet" in as_list(statement["Action"])
    ]
    assert [(as_list(s["Action"]), s["Resource"]) for s in granting] == [
        (["cloudformation:CreateStackSet"], "*")
    ]
