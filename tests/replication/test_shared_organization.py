"""Platforms of one organization never take each other's accounts, names or requests."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from accounts.models import ProjectAccount
from accounts.services import project_account_create, project_create
from platforms.models import PlatformInstance
from replication import engine
from replication.models import ReplicationRun
from tests.helpers import Scheduler, account_made_outside, api_for, run_to_end

pytestmark = pytest.mark.sandbox


@pytest.mark.parametrize("own_role", [False, True])
def test_a_project_is_refused_on_a_second_platform_of_its_organization(
    enable, project, platform_on_the_organization, sandbox_state, own_role
):
    first, run = enable()
    second = platform_on_the_organization("second", own_role=own_role)
    if own_role:  # linked by the organization id its runs read
        assert run_to_end(run.pk)[0] == "succeeded"
        PlatformInstance.objects.filter(pk=second.pk).update(
            organization_id=sandbox_state.organization_id,
            organization_read_from=second.organization_destination,
        )
    with pytest.raises(ValidationError) as refused:
        project_account_create(project=project, platform=second, actor=None)
    [message] = refused.value.message_dict["platform"]
    assert message.startswith(
        "project account acme.web on aws.local already has the account name acme.web in AWS "
        "organization"
    )
    assert ProjectAccount.objects.filter(project=project).count() == 1


def test_the_api_refuses_it_with_a_400_naming_the_platform(
    enable, alice, platform_on_the_organization
):
    enable()
    platform_on_the_organization("second", own_role=False)
    response = api_for(alice).post(
        "/api/v1/accounts/", {"project": "acme.web", "platform": "second.local"}
    )
    assert response.status_code == 400
    assert "already has the account name acme.web" in response.data["platform"][0]


def test_an_in_flight_creation_of_another_project_account_is_never_adopted(
    enable, project, platform_on_the_organization, slow_creation
):
    account, run = enable()
    # An account of another platform of the organization with the same name (made before
    # names were unique per organization), whose creation AWS has not finished.
    second = platform_on_the_organization("second", own_role=False)
    other = project_create(customer=project.customer, identifier="other", actor=None)
    theirs = project_account_create(project=other, platform=second, actor=None)
    ProjectAccount.objects.filter(pk=theirs.pk).update(name="acme.web")
    slow_creation["polls"] = 10_000
    assert engine.execute(theirs.runs.get().pk, schedule=Scheduler()) == "waiting"
    their_request = ProjectAccount.objects.get(pk=theirs.pk).create_request_id

    assert engine.execute(run.pk, schedule=Scheduler()) == "waiting"
    account.refresh_from_db()
    assert account.create_request_id and account.create_request_id != their_request
    calls = [c["operation"] for c in run.steps.get(name="account").aws_calls]
    assert "CreateAccount" in calls


def test_an_account_with_our_email_that_another_project_account_holds_is_not_adopted(
    enable, project, sandbox_platform, sandbox_state
):
    taken = account_made_outside(sandbox_state.endpoint_url, "aws+acme.web@sbx.io", "taken")
    other = project_create(customer=project.customer, identifier="other", actor=None)
    holder = project_account_create(
        project=other, platform=sandbox_platform, aws_account_id=taken, actor=None
    )

    account, run = enable()
    assert run_to_end(run.pk)[0] == "failed"
    run.refresh_from_db()
    account.refresh_from_db()
    assert account.aws_account_id is None
    assert run.error == (
        f"AWS account {taken} has this account's e-mail aws+acme.web@sbx.io but belongs to "
        f"project account {holder}; change the platform's e-mail template"
    )


def test_an_integrity_error_inside_a_step_fails_the_run_plainly(
    enable, project, sandbox_platform, monkeypatch
):
    other = project_create(customer=project.customer, identifier="other", actor=None)
    project_account_create(
        project=other, platform=sandbox_platform, aws_account_id="111122223333", actor=None
    )

    def claims_a_taken_account(ctx):
        ctx.save_account(aws_account_id="111122223333")

    steps = dict(engine.STEPS)
    steps["tags"] = claims_a_taken_account
    monkeypatch.setattr(engine, "STEPS", tuple(steps.items()))
    account, run = enable()
    assert engine.execute(run.pk, schedule=Scheduler()) == "failed"
    run.refresh_from_db()
    account.refresh_from_db()
    assert (run.status, run.error_step, account.status) == ("failed", "tags", "failed")
    assert run.error.startswith("the database refused what step tags saved (")
    assert run.finished_at and run.lease_expires_at is None
    assert account.aws_account_id != "111122223333"
    assert (
        ReplicationRun.objects.filter(account=account, status__in=ReplicationRun.ACTIVE).count()
        == 0
    )


@pytest.mark.django_db(transaction=True)
def test_two_enablements_at_once_on_two_platforms_of_one_organization_make_one_account(
    project, sandbox_platform, platform_on_the_organization
):
    second = platform_on_the_organization("second", own_role=False)
    start, outcomes = threading.Barrier(2), []

    def enable_on(platform):
        try:
            start.wait()
            project_account_create(project=project, platform=platform, actor=None)
            outcomes.append("created")
        except ValidationError as error:
            outcomes.append(error.message_dict["platform"][0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=enable_on, args=(p,)) for p in (sandbox_platform, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    created, refused = sorted(outcomes)  # "created" sorts before "project account …"
    assert created == "created" and "already has the account name acme.web" in refused
    assert ProjectAccount.objects.filter(project=project).count() == 1
