"""The creation gate is the organization's: its platforms share AWS's 5 creations in flight."""

from datetime import timedelta

import pytest

from accounts.models import ProjectAccount
from accounts.services import project_account_create, project_create
from platforms.models import PlatformInstance
from platforms.organizations import organization_platforms
from replication import engine
from replication.models import ReplicationRun
from replication.services import request_replication
from tests.helpers import Scheduler, run_to_end

pytestmark = pytest.mark.sandbox


def in_flight() -> int:
    return (
        ProjectAccount.objects.filter(aws_account_id__isnull=True)
        .exclude(create_request_id="")
        .count()
    )


def enable_many(project, platform, prefix: str, count: int) -> list[ReplicationRun]:
    runs = []
    for number in range(count):
        target = project_create(
            customer=project.customer, identifier=f"{prefix}{number}", actor=None
        )
        account = project_account_create(project=target, platform=platform, actor=None)
        runs.append(account.runs.get())
    return runs


@pytest.fixture
def second(platform_on_the_organization):
    """A platform on the same organization through another management role."""
    return platform_on_the_organization("second")


def test_two_platforms_of_one_organization_never_have_more_than_5_creations_in_flight(
    project, sandbox_platform, second, slow_creation
):
    assert (sandbox_platform.account_creation_concurrency, second.account_creation_concurrency) == (
        5,
        5,
    )
    slow_creation["polls"] = 4
    runs = enable_many(project, sandbox_platform, "a", 6) + enable_many(project, second, "b", 6)
    pending, most = {run.pk for run in runs}, 0
    for _ in range(40):
        for run_id in list(pending):
            if engine.execute(run_id, schedule=Scheduler()) != ReplicationRun.Status.WAITING:
                pending.discard(run_id)
            most = max(most, in_flight())
        if not pending:
            break
    assert not pending
    assert most == 5
    assert ProjectAccount.objects.filter(status="ready").count() == 12


def test_a_queued_run_of_one_platform_is_woken_when_a_creation_of_another_ends(
    project, sandbox_platform, second, slow_creation
):
    slow_creation["polls"] = 10_000
    creating = enable_many(project, sandbox_platform, "a", 5)
    for run in creating:
        assert engine.execute(run.pk, schedule=Scheduler()) == "waiting"
    [queued] = enable_many(project, second, "b", 1)
    assert engine.execute(queued.pk, schedule=Scheduler()) == "waiting"
    assert in_flight() == 5
    step = queued.steps.get(name="account")
    assert step.remark.endswith("(at most 5); queued")
    assert PlatformInstance.objects.get(pk=second.pk).organization_id in step.remark

    slow_creation["polls"] = 0  # AWS finishes the first creation on the first platform
    woken = []
    status = engine.execute(creating[0].pk, schedule=Scheduler(), wake=woken.append)
    assert status == "succeeded"
    assert [run.pk for run in woken] == [queued.pk]


def test_the_lowest_creation_concurrency_of_the_organization_applies_to_all(
    project, sandbox_platform, second, slow_creation, sandbox_state
):
    # The second platform's runs have read the organization id already.
    PlatformInstance.objects.filter(pk=second.pk).update(
        account_creation_concurrency=2, organization_id=sandbox_state.organization_id,
        organization_read_from=second.organization_destination,
    )  # fmt: skip
    slow_creation["polls"] = 10_000
    runs = enable_many(project, sandbox_platform, "a", 3)
    statuses = [engine.execute(run.pk, schedule=Scheduler()) for run in runs]
    assert statuses == ["waiting"] * 3 and in_flight() == 2
    assert "(at most 2); queued" in runs[2].steps.get(name="account").remark


def test_the_organization_id_is_read_once_and_forgotten_when_the_role_changes(
    enable, sandbox_platform, sandbox_state
):
    account, run = enable()
    assert run_to_end(run.pk)[0] == "succeeded"
    platform = PlatformInstance.objects.get(pk=sandbox_platform.pk)
    assert platform.known_organization_id == sandbox_state.organization_id
    reads = [
        call for call in run.steps.get(name="account").aws_calls
        if call["operation"] == "DescribeOrganization"
    ]  # fmt: skip
    assert len(reads) == 1

    again, _ = request_replication(account=account, trigger="resync", actor=None)
    assert run_to_end(again.pk)[0] == "succeeded"
    operations = [c["operation"] for s in again.steps.all() for c in s.aws_calls]
    assert "DescribeOrganization" not in operations

    PlatformInstance.objects.filter(pk=platform.pk).update(
        organization_root_account_role=f"{platform.organization_root_account_role}-elsewhere"
    )
    assert PlatformInstance.objects.get(pk=platform.pk).known_organization_id == ""


def test_platforms_with_one_management_role_share_the_gate_before_the_id_is_read(
    sandbox_platform, platform_on_the_organization
):
    same_role = platform_on_the_organization("same-role", own_role=False)
    own_role = platform_on_the_organization("own-role")
    assert [p.pk for p in organization_platforms(same_role)] == [sandbox_platform.pk, same_role.pk]
    # Once read, the organization id links the platform with its own role to the others.
    for platform in (sandbox_platform, own_role):
        PlatformInstance.objects.filter(pk=platform.pk).update(
            organization_id="o-sandbox12345",
            organization_read_from=platform.organization_destination,
        )
    assert [p.pk for p in organization_platforms(same_role)] == [
        sandbox_platform.pk,
        same_role.pk,
        own_role.pk,
    ]


def test_aws_refusing_new_accounts_parks_the_run_for_an_hour_instead_of_failing_it(
    project, sandbox_platform, strictness
):
    # Creations started outside meshaws (or a used-up daily quota) make AWS refuse the next one
    # with ConstraintViolationException, Reason ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED.
    strictness.creations_in_flight_limit = 0
    [run] = enable_many(project, sandbox_platform, "q", 1)
    scheduler = Scheduler()
    assert engine.execute(run.pk, schedule=scheduler) == ReplicationRun.Status.WAITING
    run.refresh_from_db()
    step = run.steps.get(name="account")
    assert "ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED" in step.remark
    assert (run.wait_kind, run.counted_attempts) == ("creation-quota", 0)
    assert scheduler.requests[-1] == (run.pk, timedelta(hours=1))
    assert not ProjectAccount.objects.get(pk=run.account_id).create_request_id

    strictness.creations_in_flight_limit = 5  # the quota is back
    assert run_to_end(run.pk)[0] == ReplicationRun.Status.SUCCEEDED
