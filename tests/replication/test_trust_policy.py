"""A mapped role's trust: meshaws adds or repairs its SAML statement and keeps every other."""

import json

import pytest

import aws
from replication.desired import SAML_AUDIENCE, SAML_TRUST_SID
from replication.services import request_replication
from replication.steps.member import _trust_with_own_statement
from tests.helpers import WRITE_PREFIXES, member, run_to_end

pytestmark = pytest.mark.sandbox

AUDITORS = {
    "Sid": "SecurityAuditors",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::111122223333:role/Auditor"},
    "Action": "sts:AssumeRole",
}


@pytest.fixture
def replicated(enable, sandbox_state):
    """A ready account and its member IAM client."""
    account, run = enable()
    assert run_to_end(run.pk)[0] == "succeeded"
    account.refresh_from_db()
    return account, member(sandbox_state.endpoint_url, account.aws_account_id, "iam")


def own_statement(account_id: str) -> dict:
    return {
        "Sid": SAML_TRUST_SID,
        "Effect": "Allow",
        "Principal": {"Federated": f"arn:aws:iam::{account_id}:saml-provider/meshaws-idp"},
        "Action": "sts:AssumeRoleWithSAML",
        "Condition": {"StringEquals": {"SAML:aud": SAML_AUDIENCE}},
    }


def trust_of(iam, role: str) -> dict:
    document = aws.call(iam, "get_role", RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    return document if isinstance(document, dict) else json.loads(document)


def set_trust(iam, role: str, *statements: dict) -> None:
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    aws.call(iam, "update_assume_role_policy", RoleName=role, PolicyDocument=json.dumps(document))


def resync(account):
    """Re-sync the account; the run and its write calls, in order."""
    run, _ = request_replication(account=account, trigger="resync", actor=None)
    assert run_to_end(run.pk)[0] == "succeeded"
    writes = [
        call["operation"]
        for step in run.steps.all()
        for call in step.aws_calls
        if call["operation"].startswith(WRITE_PREFIXES)
    ]
    return run, writes


def test_a_new_role_trusts_the_provider_through_meshaws_statement(replicated):
    account, iam = replicated
    assert trust_of(iam, "ProjectAdmin")["Statement"] == [own_statement(account.aws_account_id)]


def test_a_statement_for_another_principal_survives_a_resync_without_a_write(replicated):
    account, iam = replicated
    own = own_statement(account.aws_account_id)
    set_trust(iam, "ProjectAdmin", AUDITORS, own)

    run, writes = resync(account)

    assert writes == []
    assert trust_of(iam, "ProjectAdmin")["Statement"] == [AUDITORS, own]
    assert run.steps.get(name="roles").status == "ok"


def test_a_drifted_meshaws_statement_is_repaired_with_one_update_keeping_the_others(replicated):
    account, iam = replicated
    own = own_statement(account.aws_account_id)
    drifted = {**own, "Condition": {"StringEquals": {"SAML:aud": "https://evil.example/saml"}}}
    set_trust(iam, "ProjectReader", AUDITORS, drifted)

    run, writes = resync(account)

    assert writes == ["UpdateAssumeRolePolicy"]
    assert trust_of(iam, "ProjectReader")["Statement"] == [AUDITORS, own]
    assert run.steps.get(name="roles").remark == "repaired the trust of ProjectReader"


def test_a_role_trusted_before_the_sid_gets_one_meshaws_statement_not_two(replicated):
    account, iam = replicated
    own = own_statement(account.aws_account_id)
    legacy = {key: value for key, value in own.items() if key != "Sid"}
    set_trust(iam, "ProjectAdmin", legacy, AUDITORS)

    _, writes = resync(account)

    assert writes == ["UpdateAssumeRolePolicy"]
    assert trust_of(iam, "ProjectAdmin")["Statement"] == [AUDITORS, own]


def test_a_removed_meshaws_statement_is_added_back_beside_the_others(replicated):
    account, iam = replicated
    set_trust(iam, "ProjectAdmin", AUDITORS)

    _, writes = resync(account)

    assert writes == ["UpdateAssumeRolePolicy"]
    assert trust_of(iam, "ProjectAdmin")["Statement"] == [
        AUDITORS,
        own_statement(account.aws_account_id),
    ]


def test_the_operators_own_statements_for_the_provider_are_kept():
    provider = "arn:aws:iam::111122223333:saml-provider/meshaws-idp"
    own = {**own_statement("111122223333")}
    tag_session = {
        "Effect": "Allow",
        "Principal": {"Federated": provider},
        "Action": "sts:TagSession",
    }
    deny = {**own, "Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    deny.pop("Sid")
    current = {"Version": "2012-10-17", "Statement": [tag_session, deny, own]}

    assert _trust_with_own_statement(current, own, provider) is None
