"""Replication against the sandbox emulator: one account, converged, recorded, repeatable."""

import json

import pytest

import aws
from accounts.models import ProjectAccount
from platforms.models import PlatformInstance
from replication.models import ReplicationRun, ReplicationStep
from replication.services import request_replication
from tests.helpers import (
    WRITE_PREFIXES,
    automation_credentials,
    management,
    member,
    run_to_end,
)

pytestmark = pytest.mark.sandbox


def test_a_new_account_ends_ready_with_everything_in_place(enable, sandbox_state):
    account, run = enable()
    status, _ = run_to_end(run.pk)
    assert status == "succeeded"
    account.refresh_from_db()
    assert account.status == "ready" and account.aws_account_id and account.last_run_at

    url = sandbox_state.endpoint_url
    org = management(url, "organizations")
    found = aws.call(org, "describe_account", AccountId=account.aws_account_id)["Account"]
    assert (found["Email"], found["Name"]) == ("aws+acme.web@sbx.io", "acme.web")
    parents = aws.call(org, "list_parents", ChildId=account.aws_account_id)["Parents"]
    assert parents[0]["Id"] == sandbox_state.landing_zone_ou_id
    tags = {
        t["Key"]: t["Value"]
        for t in aws.call(org, "list_tags_for_resource", ResourceId=account.aws_account_id)["Tags"]
    }
    assert tags == {
        "meshaws:customer": "acme",
        "meshaws:project": "web",
        "meshaws:platform": "aws.local",
        "meshaws:cost-center": "42",
    }

    iam = member(url, account.aws_account_id, "iam")
    assert aws.call(iam, "list_account_aliases")["AccountAliases"] == ["sbx-acme-web"]
    provider_arn = f"arn:aws:iam::{account.aws_account_id}:saml-provider/meshaws-idp"
    assert [p["Arn"] for p in aws.call(iam, "list_saml_providers")["SAMLProviderList"]] == [
        provider_arn
    ]
    for role, policy in (
        ("ProjectAdmin", "AdministratorAccess"),
        ("ProjectReader", "ReadOnlyAccess"),
    ):
        trust = aws.call(iam, "get_role", RoleName=role)["Role"]["AssumeRolePolicyDocument"]
        trust = trust if isinstance(trust, dict) else json.loads(trust)
        assert trust["Statement"][0]["Principal"] == {"Federated": provider_arn}
        attached = aws.call(iam, "list_attached_role_policies", RoleName=role)["AttachedPolicies"]
        assert [p["PolicyName"] for p in attached] == [policy]

    steps = list(ReplicationStep.objects.filter(run=run).order_by("attempt", "position"))
    assert [s.name for s in steps] == [
        "validate",
        "connect",
        "account",
        "external-avm",
        "tags",
        "organizational-unit",
        "access",
        "alias",
        "identity-provider",
        "roles",
        "groups",
        "memberships",
        "assignments",
        "bootstrap-stack",
        "finish",
    ]
    by_name = {s.name: s for s in steps}
    assert by_name["account"].status == "changed"
    assert "CreateAccount" in [c["operation"] for c in by_name["account"].aws_calls]
    assert all(c["request_id"] for s in steps for c in s.aws_calls)


def test_a_resync_of_an_unchanged_account_makes_no_write_call(enable):
    account, run = enable()
    run_to_end(run.pk)
    again, created = request_replication(account=account, trigger="resync", actor=None)
    assert created
    assert run_to_end(again.pk)[0] == "succeeded"
    calls = [c for s in again.steps.all() for c in s.aws_calls]
    assert calls and not [c for c in calls if c["operation"].startswith(WRITE_PREFIXES)]
    assert {s.status for s in again.steps.all()} <= {"ok", "skipped"}


def test_a_resync_repairs_a_trust_changed_out_of_band(enable, sandbox_state):
    account, run = enable()
    run_to_end(run.pk)
    account.refresh_from_db()
    iam = member(sandbox_state.endpoint_url, account.aws_account_id, "iam")
    aws.call(iam, "update_assume_role_policy", RoleName="ProjectReader", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
    ))  # fmt: skip
    again, _ = request_replication(account=account, trigger="resync", actor=None)
    run_to_end(again.pk)
    writes = [
        c["operation"]
        for s in again.steps.all()
        for c in s.aws_calls
        if c["operation"].startswith(WRITE_PREFIXES)
    ]
    assert writes == ["UpdateAssumeRolePolicy"]
    assert "repaired the trust of ProjectReader" in again.steps.get(name="roles").remark


def test_the_right_external_id_is_sent_on_each_assume_role(enable, sandbox_state, monkeypatch):
    sent = []
    original = aws.roles.assume_role

    def spy(**kwargs):
        sent.append((kwargs["role_arn"], kwargs.get("external_id")))
        return original(**kwargs)

    # assumed_role calls the assume_role of its own module.
    monkeypatch.setattr(aws.roles, "assume_role", spy)
    account, run = enable(landing_zone="bootstrapped")
    run_to_end(run.pk)
    account.refresh_from_db()
    assert sent == [
        (sandbox_state.service_role_arn, sandbox_state.management_external_id),
        (
            f"arn:aws:iam::{account.aws_account_id}:role/MeshstackAccountAccessRole",
            sandbox_state.privileged_external_id,
        ),
        (sandbox_state.automation_role_arn, sandbox_state.automation_external_id),
    ]


def test_one_run_at_a_time_per_account(enable):
    account, run = enable()
    joined = [request_replication(account=account, trigger="resync", actor=None) for _ in range(20)]
    assert {r.pk for r, _ in joined} == {run.pk} and not any(created for _, created in joined)
    assert ReplicationRun.objects.filter(account=account).count() == 1


def test_a_bootstrap_template_becomes_a_stack_set_with_an_instance(
    enable, sandbox_state, project, sandbox_platform
):
    account, run = enable(landing_zone="bootstrapped")
    assert run_to_end(run.pk)[0] == "succeeded"
    account.refresh_from_db()
    cloudformation = aws.client(
        "cloudformation",
        region="eu-central-1",
        credentials=automation_credentials(sandbox_state),
        endpoint_url=sandbox_state.endpoint_url,
    )
    stack_set = aws.call(
        cloudformation, "describe_stack_set", StackSetName="meshaws-aws-bootstrapped"
    )["StackSet"]
    assert "audit-${Stage}" in stack_set["TemplateBody"]
    instances = aws.call(
        cloudformation, "list_stack_instances", StackSetName="meshaws-aws-bootstrapped"
    )["Summaries"]
    assert [i["Account"] for i in instances] == [account.aws_account_id]
    step = run.steps.get(name="bootstrap-stack")
    assert "created StackSet" in step.remark and "created the stack instance" in step.remark


def test_a_permanent_access_denied_fails_at_once_naming_step_and_operation(enable, monkeypatch):
    original = aws.call

    def deny(client, method, **params):
        if method == "list_parents":
            raise aws.AwsError(
                "ListParents", "AccessDeniedException", "not allowed", transient=False
            )
        return original(client, method, **params)

    monkeypatch.setattr(aws, "call", deny)
    account, run = enable()
    assert run_to_end(run.pk)[0] == "failed"
    run.refresh_from_db()
    assert (run.error_step, run.error_operation, run.error_code) == (
        "organizational-unit",
        "ListParents",
        "AccessDeniedException",
    )
    assert run.attempt == 1
    account.refresh_from_db()
    assert account.status == ProjectAccount.Status.FAILED


def test_an_access_role_with_a_path_stored_before_it_was_refused_fails_before_any_creation(
    enable, sandbox_platform
):
    # Stored by an older meshaws, whose validator accepted paths; the form now refuses it.
    PlatformInstance.objects.filter(pk=sandbox_platform.pk).update(
        account_access_role="/team/AccessRole"
    )
    _, run = enable()
    status, _ = run_to_end(run.pk)
    run.refresh_from_db()
    assert status == ReplicationRun.Status.FAILED
    assert run.error_step == "validate"
    assert "access role '/team/AccessRole': has a path" in run.error
    assert not run.account.create_request_id
