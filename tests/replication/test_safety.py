"""Crashes, slow and failed creations, throttling, the creation gate, StackSet updates."""

import random

import pytest
from botocore.awsrequest import AWSResponse

import aws
from accounts.models import ProjectAccount
from accounts.services import project_create
from platforms.config_io import parse_record, record_of
from platforms.services import platform_apply
from replication.models import ReplicationRun
from replication.services import request_replication
from tests.helpers import (
    TEMPLATE,
    WRITE_PREFIXES,
    Crash,
    crash_after_call,
    management,
    member,
    run_to_end,
)

pytestmark = pytest.mark.sandbox


def accounts_with_email(url, email):
    org = management(url, "organizations")
    return [a for a in aws.paginate(org, "list_accounts", "Accounts") if a["Email"] == email]


def snapshot(url, account):
    """What AWS holds for the account, without its ids (which differ between accounts)."""
    account.refresh_from_db()
    org = management(url, "organizations")
    iam = member(url, account.aws_account_id, "iam")
    tags = aws.call(org, "list_tags_for_resource", ResourceId=account.aws_account_id)["Tags"]
    roles = sorted(
        (
            r["RoleName"],
            tuple(
                p["PolicyName"]
                for p in aws.call(iam, "list_attached_role_policies", RoleName=r["RoleName"])[
                    "AttachedPolicies"
                ]
            ),
        )
        for r in aws.call(iam, "list_roles")["Roles"]
    )
    return {
        "parent": aws.call(org, "list_parents", ChildId=account.aws_account_id)["Parents"][0]["Id"],
        "tags": sorted((t["Key"], t["Value"]) for t in tags if t["Key"] != "meshaws:project"),
        "alias_count": len(aws.call(iam, "list_account_aliases")["AccountAliases"]),
        "saml": len(aws.call(iam, "list_saml_providers")["SAMLProviderList"]),
        "roles": roles,
        "status": account.status,
    }


def test_a_crash_after_any_aws_call_never_duplicates_the_account(
    enable, project, sandbox_state, monkeypatch
):
    url = sandbox_state.endpoint_url
    account, run = enable()
    run_to_end(run.pk)
    reference = snapshot(url, account)
    # The organization id is read once per platform, by this first run only.
    calls_in_a_run = sum(
        call["operation"] != "DescribeOrganization"
        for step in run.steps.all()
        for call in step.aws_calls
    )
    assert calls_in_a_run > 20

    for position in range(1, calls_in_a_run + 1):
        aws.forget_credentials()
        target = project_create(
            customer=project.customer,
            identifier=f"crash-{position}",
            tags={"cost-center": "42"},
            actor=None,
        )
        with crash_after_call(monkeypatch, position):
            crashed, first = enable(target=target)
            with pytest.raises(Crash):
                run_to_end(first.pk)
        first.refresh_from_db()
        assert first.status == "failed" and "internal error" in first.error

        again, created = request_replication(account=crashed, trigger="resync", actor=None)
        assert created and run_to_end(again.pk)[0] == "succeeded", position
        assert len(accounts_with_email(url, crashed.email)) == 1, position
        assert snapshot(url, crashed) == reference, position


def test_a_slow_creation_waits_then_finishes(enable, slow_creation, sandbox_state):
    account, run = enable()
    status, scheduler = run_to_end(run.pk)
    assert status == "succeeded" and len(scheduler.requests) == 2
    assert all(delay.total_seconds() >= 15 for _, delay in scheduler.requests)
    account_steps = list(
        run.steps.filter(name="account").order_by("attempt").values_list("status", flat=True)
    )
    assert account_steps == ["waiting", "waiting", "changed"]
    account.refresh_from_db()
    assert len(accounts_with_email(sandbox_state.endpoint_url, account.email)) == 1


def test_an_email_taken_inside_the_organization_is_adopted(enable, slow_creation, sandbox_state):
    slow_creation["failure"] = "EMAIL_ALREADY_EXISTS"  # moto made the account all the same
    account, run = enable()
    assert run_to_end(run.pk)[0] == "succeeded"
    account.refresh_from_db()
    assert "adopted account" in run.steps.get(name="account").remark
    assert [a["Id"] for a in accounts_with_email(sandbox_state.endpoint_url, account.email)] == [
        account.aws_account_id
    ]


def test_an_email_taken_outside_the_organization_fails_plainly(enable, monkeypatch):
    original = aws.call

    def foreign(client, method, **params):
        if method == "create_account":
            return {"CreateAccountStatus": {"Id": "car-foreign", "State": "IN_PROGRESS"}}
        if method == "describe_create_account_status":
            return {
                "CreateAccountStatus": {
                    "Id": "car-foreign",
                    "State": "FAILED",
                    "FailureReason": "EMAIL_ALREADY_EXISTS",
                }
            }
        return original(client, method, **params)

    monkeypatch.setattr(aws, "call", foreign)
    account, run = enable()
    assert run_to_end(run.pk)[0] == "failed"
    run.refresh_from_db()
    assert run.error_code == "EMAIL_ALREADY_EXISTS" and run.error_step == "account"
    assert "belongs to an AWS account outside this organization" in run.error
    account.refresh_from_db()
    assert account.create_request_id == "" and account.aws_account_id is None


@pytest.mark.slow
def test_runs_succeed_with_throttling_on_30_percent_of_calls(enable, monkeypatch):
    import types

    import botocore.endpoint

    chance = random.Random(7)
    # botocore's back-off between retries, recorded instead of slept: the retries still happen.
    backoffs = []
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=backoffs.append))
    throttled = []

    def throttle(request, **kwargs):
        if chance.random() < 0.3:
            throttled.append(request.url)
            if "X-Amz-Target" in request.headers:  # a JSON protocol service (Organizations)
                body = b'{"__type": "ThrottlingException", "message": "Rate exceeded"}'
            else:  # a query protocol service (IAM, STS, CloudFormation)
                body = (
                    b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                    b"<Message>Rate exceeded</Message></Error><RequestId>throttled</RequestId></ErrorResponse>"
                )
            return AWSResponse(request.url, 400, {"x-amzn-RequestId": "throttled"}, _Raw(body))
        return None

    aws.shared_session().events.register("before-send", throttle)
    try:
        account, run = enable()
        assert run_to_end(run.pk)[0] == "succeeded"
    finally:
        aws.shared_session().events.unregister("before-send", throttle)
    assert len(throttled) > 5 and len(backoffs) >= len(throttled)


class _Raw:
    def __init__(self, body):
        self._body = body

    def stream(self, **kwargs):
        yield self._body

    def read(self, *args):
        body, self._body = self._body, b""
        return body


def test_never_more_than_five_creations_in_flight(enable, project, slow_creation, sandbox_platform):
    slow_creation["polls"] = 4
    runs = []
    for number in range(12):
        target = project_create(customer=project.customer, identifier=f"p{number}", actor=None)
        runs.append(enable(target=target)[1])
    most_in_flight = 0
    from replication import engine

    pending = {run.pk for run in runs}
    for _ in range(40):
        for run_id in list(pending):
            status = engine.execute(run_id, schedule=lambda run, delay: None)
            in_flight = (
                ProjectAccount.objects.filter(aws_account_id__isnull=True)
                .exclude(create_request_id="")
                .count()
            )
            most_in_flight = max(most_in_flight, in_flight)
            if status != ReplicationRun.Status.WAITING:
                pending.discard(run_id)
        if not pending:
            break
    assert not pending
    assert most_in_flight == 5
    assert ProjectAccount.objects.filter(status="ready").count() == 12


def test_a_changed_template_updates_the_stack_set_once(enable, project, sandbox_platform):
    first, run = enable(landing_zone="bootstrapped")
    other = project_create(customer=project.customer, identifier="second", actor=None)
    second, second_run = enable(landing_zone="bootstrapped", target=other)
    run_to_end(run.pk)
    run_to_end(second_run.pk)

    record = record_of(sandbox_platform).as_dict()
    record["landingZones"][1]["bootstrapTemplate"] = TEMPLATE.replace("audit-", "auditor-")
    platform_apply(
        location=sandbox_platform.location,
        record=parse_record(record, stored=record_of(sandbox_platform)),
        actor=None,
    )
    updates = []
    for account in (first, second):
        again, _ = request_replication(account=account, trigger="configuration_changed", actor=None)
        run_to_end(again.pk)
        updates += [
            c["operation"]
            for s in again.steps.all()
            for c in s.aws_calls
            if c["operation"] == "UpdateStackSet"
        ]
        writes = [
            c["operation"]
            for s in again.steps.all()
            for c in s.aws_calls
            if c["operation"].startswith(WRITE_PREFIXES)
        ]
        assert set(writes) <= {"UpdateStackSet"}
    assert updates == ["UpdateStackSet"]


def test_an_account_queued_for_a_creation_slot_costs_no_aws_call_and_never_gives_up(
    enable, project, slow_creation, sandbox_platform
):
    from platforms.models import PlatformInstance
    from replication import engine

    PlatformInstance.objects.filter(pk=sandbox_platform.pk).update(account_creation_concurrency=1)
    slow_creation["polls"] = 10_000  # the first creation never finishes during this test
    first, first_run = enable()
    assert engine.execute(first_run.pk, schedule=lambda run, delay: None) == "waiting"
    other = project_create(customer=project.customer, identifier="queued", actor=None)
    _, queued_run = enable(target=other)
    for _ in range(engine.MAX_ATTEMPTS + 3):
        assert engine.execute(queued_run.pk, schedule=lambda run, delay: None) == "waiting"
    queued_run.refresh_from_db()
    assert queued_run.status == "waiting" and queued_run.attempt > engine.MAX_ATTEMPTS
    waits = queued_run.steps.filter(name="account")
    assert all(step.aws_calls == [] and "queued" in step.remark for step in waits)
