"""The engine's other paths: retries, waits, refusals, external provisioning, the command."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

import aws
from accounts.models import ProjectAccount
from platforms.config_io import parse_record, record_of
from platforms.services import platform_apply
from replication import engine
from replication.models import ReplicationRun
from tests.helpers import Scheduler, account_made_outside, management, run_to_end

pytestmark = pytest.mark.sandbox


def fail_once(monkeypatch, method, error):
    """Make the first `method` call raise `error`, later ones pass."""
    original, state = aws.call, {"failed": False}

    def flaky(client, name, **params):
        if name == method and not state["failed"]:
            state["failed"] = True
            raise error
        return original(client, name, **params)

    monkeypatch.setattr(aws, "call", flaky)


def test_a_transient_error_retries_the_run_and_each_attempt_is_visible(enable, monkeypatch):
    fail_once(
        monkeypatch,
        "list_parents",
        aws.AwsError("ListParents", "TooManyRequestsException", "slow down", True),
    )
    account, run = enable()
    scheduler = Scheduler()
    assert engine.execute(run.pk, schedule=scheduler) == "waiting"
    run.refresh_from_db()
    assert run.status == "waiting" and run.next_attempt_at and len(scheduler.requests) == 1
    failed = run.steps.get(attempt=1, name="organizational-unit")
    assert failed.status == "failed" and "TooManyRequestsException (transient)" in failed.remark
    assert run_to_end(run.pk)[0] == "succeeded"
    assert run.steps.filter(attempt=2, name="finish", status="ok").exists()


def test_a_new_account_that_refuses_access_waits(enable, monkeypatch):
    original = aws.assumed_role
    state = {"refused": 0}

    def young(**kwargs):
        if "MeshstackAccountAccessRole" in kwargs["role_arn"] and state["refused"] < 2:
            state["refused"] += 1
            raise aws.AwsError("AssumeRole", "AccessDenied", "not yet", transient=False)
        return original(**kwargs)

    monkeypatch.setattr(aws, "assumed_role", young)
    account, run = enable()
    status, scheduler = run_to_end(run.pk)
    assert status == "succeeded" and len(scheduler.requests) == 2
    assert list(run.steps.filter(name="access").values_list("status", flat=True)) == [
        "waiting",
        "waiting",
        "ok",
    ]


def test_a_taken_alias_fails_plainly(enable, monkeypatch):
    fail_once(
        monkeypatch,
        "create_account_alias",
        aws.AwsError("CreateAccountAlias", "EntityAlreadyExists", "taken", False),
    )
    account, run = enable()
    assert run_to_end(run.pk)[0] == "failed"
    run.refresh_from_db()
    assert (
        run.error
        == "alias sbx-acme-web is taken by another AWS account; change the platform's alias pattern"
    )
    assert (run.error_step, run.error_code) == ("alias", "EntityAlreadyExists")


def test_externally_provisioned_accounts_are_found_by_their_tags(
    sandbox_state, sandbox_platform, project, enable
):
    record = record_of(sandbox_platform).as_dict()
    record["meshProvisioning"] = None
    record["externalProvisioning"] = {
        "timeoutMinutes": 30,
        "customerTagKey": "Customer",
        "projectTagKey": "Project",
    }
    platform_apply(
        location=sandbox_platform.location,
        record=parse_record(record, stored=record_of(sandbox_platform)),
        actor=None,
    )
    account, run = enable()
    assert account.email == ""
    status, _scheduler = Scheduler(), None
    assert engine.execute(run.pk, schedule=status) == "waiting"
    assert "waiting for the external AVM" in run.steps.get(name="account").remark

    org = management(sandbox_state.endpoint_url, "organizations")
    # The AVM gives the account the access role meshaws assumes, as an AVM for meshaws must.
    account_id = account_made_outside(
        sandbox_state.endpoint_url, "avm-made@sbx.io", "avm-made",
        RoleName=sandbox_state.account_access_role,
    )  # fmt: skip
    aws.call(
        org,
        "tag_resource",
        ResourceId=account_id,
        Tags=[{"Key": "Customer", "Value": "acme"}, {"Key": "Project", "Value": "web"}],
    )
    assert run_to_end(run.pk)[0] == "succeeded"
    account.refresh_from_db()
    assert account.aws_account_id == account_id


def test_waiting_for_an_external_avm_ends_when_it_tags_the_account(
    sandbox_state, sandbox_platform, enable
):
    record = record_of(sandbox_platform).as_dict()
    record["waitForExternalAvm"] = True
    platform_apply(
        location=sandbox_platform.location,
        record=parse_record(record, stored=record_of(sandbox_platform)),
        actor=None,
    )
    account, run = enable()
    assert engine.execute(run.pk, schedule=Scheduler()) == "waiting"
    account.refresh_from_db()
    org = management(sandbox_state.endpoint_url, "organizations")
    aws.call(
        org,
        "tag_resource",
        ResourceId=account.aws_account_id,
        Tags=[{"Key": "ProductName", "Value": "acme"}, {"Key": "Stage", "Value": "web"}],
    )
    assert run_to_end(run.pk)[0] == "succeeded"
    assert run.steps.filter(name="external-avm", status="ok").exists()


def test_a_missing_existing_stack_set_fails_naming_it(sandbox_platform, enable):
    sandbox_platform.landing_zones.filter(identifier="bootstrapped").update(
        bootstrap_template="", stack_set_name="company-baseline"
    )
    account, run = enable(landing_zone="bootstrapped")
    assert run_to_end(run.pk)[0] == "failed"
    run.refresh_from_db()
    assert (
        run.error_step == "bootstrap-stack"
        and "StackSet company-baseline does not exist" in run.error
    )


def test_the_replicate_command_queues_runs(enable, sandbox_platform, capsys):
    account, run = enable()
    run_to_end(run.pk)
    account.refresh_from_db()
    call_command("replicate", account.aws_account_id)
    assert "queued" in capsys.readouterr().out
    call_command("replicate", "--platform", "aws.local")
    assert "joined the run in progress" in capsys.readouterr().out
    assert ReplicationRun.objects.filter(account=account, trigger="command").count() == 1
    with pytest.raises(CommandError, match="name accounts"):
        call_command("replicate")
    with pytest.raises(CommandError, match="no live project account 999"):
        call_command("replicate", "999")


def test_a_platform_change_requests_runs_of_its_accounts(enable, sandbox_platform):
    account, run = enable()
    run_to_end(run.pk)
    record = record_of(sandbox_platform).as_dict()
    record["tagPrefix"] = "mesh:"
    platform_apply(
        location=sandbox_platform.location,
        record=parse_record(record, stored=record_of(sandbox_platform)),
        actor=None,
    )
    assert account.runs.filter(trigger="configuration_changed", status="pending").exists()
    # Its run waits for a worker: the account says so until one claims it.
    assert ProjectAccount.objects.get().status == "queued"
