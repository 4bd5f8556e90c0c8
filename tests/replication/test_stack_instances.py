"""The bootstrap stack instance is checked, not only found: status, operation, parameters.

moto keeps every stack instance CURRENT and every operation SUCCEEDED, so the tests that need
another state set it on the emulator's own object for that one instance.
"""

from datetime import timedelta

import pytest
from moto.cloudformation.models import cloudformation_backends

from accounts.services import project_create
from replication import engine
from replication.models import ReplicationRun
from replication.services import request_replication
from replication.steps.bootstrap import _overrides_to_send
from tests.helpers import WRITE_PREFIXES, Scheduler, run_to_end

pytestmark = pytest.mark.sandbox

STACK_SET = "meshaws-aws-bootstrapped"
REGION = "eu-central-1"
FAILED_REASON = (
    "ResourceLogicalId:AuditRole, ResourceType:AWS::IAM::Role, "
    "ResourceStatusReason:audit-web already exists."
)


@pytest.fixture
def bootstrapped(enable):
    """A ready account with its stack instance, as the first run left it."""
    account, run = enable(landing_zone="bootstrapped")
    assert run_to_end(run.pk)[0] == "succeeded"
    account.refresh_from_db()
    return account


def emulated(sandbox_state, account_id):
    """The emulator's StackSet and this account's stack instance in it."""
    backend = cloudformation_backends[sandbox_state.automation_account_id][REGION]
    stack_set = backend.describe_stack_set(STACK_SET)
    return stack_set, stack_set.instances.get_instance(account_id, REGION)


def report(monkeypatch, instance, **state):
    """Make the emulator report `state` for this one stack instance."""
    reported = instance.to_dict
    monkeypatch.setattr(instance, "to_dict", lambda: {**reported(), **state})


def overrides_of(instance) -> dict[str, str]:
    return {p["ParameterKey"]: p.get("ParameterValue") for p in instance.parameters}


def bootstrap_calls(run) -> list[str]:
    """The CloudFormation calls of the run's (one) bootstrap-stack step, in order."""
    step = run.steps.get(name="bootstrap-stack")
    return [c["operation"] for c in step.aws_calls if c["service"] == "cloudformation"]


def writes(run) -> list[str]:
    return [
        c["operation"]
        for s in run.steps.all()
        for c in s.aws_calls
        if c["operation"].startswith(WRITE_PREFIXES)
    ]


def resync(account):
    run, _ = request_replication(account=account, trigger="resync", actor=None)
    return run, run_to_end(run.pk)[0]


def test_a_resync_of_a_current_instance_reads_twice_and_writes_nothing(bootstrapped):
    run, status = resync(bootstrapped)
    assert status == "succeeded"
    assert writes(run) == []
    assert bootstrap_calls(run) == [
        "DescribeStackSet",
        "ListStackInstances",
        "DescribeStackInstance",
    ]
    assert run.steps.get(name="bootstrap-stack").status == "ok"


def test_a_failed_instance_fails_the_step_with_aws_reason(bootstrapped, sandbox_state, monkeypatch):
    _, instance = emulated(sandbox_state, bootstrapped.aws_account_id)
    report(
        monkeypatch, instance, Status="OUTDATED", StatusReason=FAILED_REASON,
        StackInstanceStatus={"DetailedStatus": "FAILED"},
    )  # fmt: skip

    run, status = resync(bootstrapped)

    assert status == "failed"
    run.refresh_from_db()
    assert (run.error_step, run.error_code) == ("bootstrap-stack", "FAILED")
    assert FAILED_REASON in run.error and "OUTDATED (FAILED)" in run.error
    assert writes(run) == []


def test_an_inoperable_instance_fails_the_step_saying_what_to_do(
    bootstrapped, sandbox_state, monkeypatch
):
    _, instance = emulated(sandbox_state, bootstrapped.aws_account_id)
    reason = "DeleteStackInstances failed: the stack could not be deleted"
    report(
        monkeypatch, instance, Status="INOPERABLE", StatusReason=reason,
        StackInstanceStatus={"DetailedStatus": "INOPERABLE"},
    )  # fmt: skip

    run, status = resync(bootstrapped)

    assert status == "failed"
    run.refresh_from_db()
    assert run.error_step == "bootstrap-stack" and run.error_code == "INOPERABLE"
    assert reason in run.error and "RetainStacks" in run.error


def test_an_outdated_instance_whose_last_operation_failed_fails_the_step(
    bootstrapped, sandbox_state, monkeypatch
):
    stack_set, instance = emulated(sandbox_state, bootstrapped.aws_account_id)
    last = stack_set.operations[-1]
    monkeypatch.setitem(last, "Status", "FAILED")
    report(monkeypatch, instance, Status="OUTDATED", LastOperationId=last["OperationId"])

    run, status = resync(bootstrapped)

    assert status == "failed"
    run.refresh_from_db()
    assert run.error_step == "bootstrap-stack" and run.error_code == "OUTDATED"
    assert "its last operation (create) ended FAILED" in run.error
    assert bootstrap_calls(run)[-1] == "DescribeStackSetOperation"


def test_an_outdated_instance_waits_while_its_operation_runs(
    bootstrapped, sandbox_state, monkeypatch
):
    stack_set, instance = emulated(sandbox_state, bootstrapped.aws_account_id)
    last = stack_set.operations[-1]
    monkeypatch.setitem(last, "Status", "RUNNING")
    report(monkeypatch, instance, Status="OUTDATED", LastOperationId=last["OperationId"])
    run, _ = request_replication(account=bootstrapped, trigger="resync", actor=None)

    assert engine.execute(run.pk, schedule=Scheduler()) == ReplicationRun.Status.WAITING
    assert run.steps.get(name="bootstrap-stack").status == "waiting"

    monkeypatch.undo()
    assert run_to_end(run.pk)[0] == "succeeded"
    assert writes(run) == []


def test_an_instance_an_operation_works_on_waits_then_succeeds(
    bootstrapped, sandbox_state, monkeypatch
):
    _, instance = emulated(sandbox_state, bootstrapped.aws_account_id)
    report(
        monkeypatch, instance, Status="OUTDATED", StackInstanceStatus={"DetailedStatus": "RUNNING"}
    )
    run, _ = request_replication(account=bootstrapped, trigger="resync", actor=None)

    assert engine.execute(run.pk, schedule=Scheduler()) == ReplicationRun.Status.WAITING
    step = run.steps.get(name="bootstrap-stack")
    assert step.status == "waiting" and "running on this account's stack instance" in step.remark
    assert bootstrap_calls(run) == ["DescribeStackSet", "ListStackInstances"]

    monkeypatch.undo()
    assert run_to_end(run.pk)[0] == "succeeded"
    assert writes(run) == []


def test_a_stack_operation_is_waited_for_until_its_own_deadline(
    bootstrapped, sandbox_state, monkeypatch
):
    _, instance = emulated(sandbox_state, bootstrapped.aws_account_id)
    report(monkeypatch, instance, StackInstanceStatus={"DetailedStatus": "PENDING"})
    run, _ = request_replication(account=bootstrapped, trigger="resync", actor=None)
    polls = [engine.execute(run.pk, schedule=Scheduler()) for _ in range(25)]
    assert set(polls) == {ReplicationRun.Status.WAITING}

    run.refresh_from_db()
    assert run.wait_kind == "stack-operation"
    ReplicationRun.objects.filter(pk=run.pk).update(
        waiting_since=run.waiting_since - timedelta(minutes=61)
    )
    assert engine.execute(run.pk, schedule=Scheduler()) == ReplicationRun.Status.FAILED
    run.refresh_from_db()
    assert run.error_step == "bootstrap-stack" and "within 60 minutes" in run.error


def test_changed_parameters_are_put_back_with_one_update(bootstrapped, sandbox_state):
    account_id = bootstrapped.aws_account_id
    _, instance = emulated(sandbox_state, account_id)
    assert overrides_of(instance) == {"AccountId": account_id, "Stage": "web"}
    instance.parameters = [
        {"ParameterKey": "AccountId", "ParameterValue": account_id},
        {"ParameterKey": "Stage", "ParameterValue": "tampered"},
    ]

    run, status = resync(bootstrapped)

    assert status == "succeeded"
    assert writes(run) == ["UpdateStackInstances"]
    assert bootstrap_calls(run)[-2:] == ["UpdateStackInstances", "DescribeStackSetOperation"]
    assert "updated the parameters of the stack instance" in (
        run.steps.get(name="bootstrap-stack").remark
    )
    assert overrides_of(instance) == {"AccountId": account_id, "Stage": "web"}
    again, _ = resync(bootstrapped)
    assert writes(again) == []


def test_an_update_operation_still_running_parks_the_run(bootstrapped, sandbox_state, monkeypatch):
    stack_set, instance = emulated(sandbox_state, bootstrapped.aws_account_id)
    instance.parameters = [{"ParameterKey": "Stage", "ParameterValue": "tampered"}]
    started = len(stack_set.operations)
    original = stack_set.update_instances

    def queued(*args, **kwargs):
        operation = original(*args, **kwargs)
        operation["Status"] = "QUEUED"
        return operation

    monkeypatch.setattr(stack_set, "update_instances", queued)
    run, _ = request_replication(account=bootstrapped, trigger="resync", actor=None)

    assert engine.execute(run.pk, schedule=Scheduler()) == ReplicationRun.Status.WAITING
    assert len(stack_set.operations) == started + 1
    step = run.steps.get(name="bootstrap-stack")
    assert step.status == "waiting" and "(queued)" in step.remark


def test_each_account_of_a_landing_zone_gets_its_own_instance(enable, project):
    first, first_run = enable(landing_zone="bootstrapped")
    other = project_create(customer=project.customer, identifier="second", actor=None)
    second, second_run = enable(landing_zone="bootstrapped", target=other)
    assert run_to_end(first_run.pk)[0] == "succeeded"
    assert run_to_end(second_run.pk)[0] == "succeeded"

    assert "CreateStackInstances" in bootstrap_calls(second_run)
    assert "created the stack instance" in second_run.steps.get(name="bootstrap-stack").remark


def named_stack_set(sandbox_state, sandbox_platform, template, parameters):
    """The operator's own StackSet company-baseline, named by the bootstrapped landing zone."""
    backend = cloudformation_backends[sandbox_state.automation_account_id][REGION]
    backend.create_stack_set(
        name="company-baseline", template=template, parameters=parameters,
        tags={}, permission_model="SELF_MANAGED", admin_role=None, exec_role=None,
        description=None,
    )  # fmt: skip
    sandbox_platform.landing_zones.filter(identifier="bootstrapped").update(
        bootstrap_template="", stack_set_name="company-baseline"
    )
    return backend.describe_stack_set("company-baseline")


# Owner has a default: the emulator does not merge the StackSet's values into an instance's.
BASELINE = """Parameters:
  Owner: {Type: String, Default: platform-team}
  Stage: {Type: String}
Resources:
  BaselineRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Version: '2012-10-17', Statement: [{Effect: Allow, Principal: {AWS: 'arn:aws:iam::123456789012:root'}, Action: 'sts:AssumeRole'}]}
"""


def test_a_named_stack_set_gets_instances_and_is_never_changed(
    enable, sandbox_state, sandbox_platform
):
    stack_set = named_stack_set(
        sandbox_state, sandbox_platform, BASELINE, {"Owner": "platform-team", "Stage": "none"}
    )
    account, run = enable(landing_zone="bootstrapped")
    assert run_to_end(run.pk)[0] == "succeeded"
    account.refresh_from_db()
    instance = stack_set.instances.get_instance(account.aws_account_id, REGION)
    assert overrides_of(instance) == {"Stage": "web"}

    again, status = resync(account)

    assert status == "succeeded" and writes(again) == []
    assert bootstrap_calls(again) == [
        "DescribeStackSet", "ListStackInstances", "DescribeStackInstance"
    ]  # fmt: skip
    called = {call for r in (run, again) for call in bootstrap_calls(r)}
    assert not called & {"CreateStackSet", "UpdateStackSet"}


def test_a_named_stack_set_without_meshaws_parameters_costs_two_reads(
    enable, sandbox_state, sandbox_platform
):
    template = BASELINE.replace("  Stage: {Type: String}\n", "")
    named_stack_set(sandbox_state, sandbox_platform, template, {"Owner": "platform-team"})
    account, run = enable(landing_zone="bootstrapped")
    assert run_to_end(run.pk)[0] == "succeeded"

    again, status = resync(account)

    assert status == "succeeded" and writes(again) == []
    assert bootstrap_calls(again) == ["DescribeStackSet", "ListStackInstances"]


def test_overrides_meshaws_does_not_set_are_kept_while_declared():
    current = [
        {"ParameterKey": "Stage", "ParameterValue": "old"},
        {"ParameterKey": "CostCenter", "ParameterValue": "42"},
        {"ParameterKey": "Retired", "ParameterValue": "x"},
    ]
    assert _overrides_to_send(current, {"Stage": "web"}, {"Stage", "CostCenter"}) == [
        {"ParameterKey": "Stage", "ParameterValue": "web"},
        {"ParameterKey": "CostCenter", "UsePreviousValue": True},
    ]
    assert _overrides_to_send(current, {"Stage": "old"}, {"Stage", "CostCenter"}) is None
