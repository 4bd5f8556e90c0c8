"""What to fix: one catalogue (platforms.advice) for the connection check and the runs' pages."""

from datetime import timedelta

import pytest
from django.utils import timezone

import aws
from accounts.models import ProjectAccount
from accounts.services import project_account_create
from platforms import advice
from platforms.access import platform_access
from platforms.advice import GENERIC, STEP_FALLBACKS, what_to_fix
from platforms.connection.checks import ASSUME_MANAGEMENT, Checker
from replication.models import ReplicationRun, ReplicationStep
from tests.helpers import api_for

RETRY_REMARK = (
    "ListParents failed with TooManyRequestsException (transient); the run is retried in 7 s"
)


@pytest.fixture
def account(web, platform):
    """acme.web on aws-prod.eu, with its first run (no worker runs it here)."""
    return project_account_create(project=web, platform=platform, actor=None)


def _fail(account, **fields) -> ReplicationRun:
    run = account.runs.get()
    ReplicationRun.objects.filter(pk=run.pk).update(
        status="failed", attempt=1, started_at=run.created_at,
        finished_at=run.created_at + timedelta(seconds=3), **fields,
    )  # fmt: skip
    ProjectAccount.objects.filter(pk=account.pk).update(
        status=ProjectAccount.Status.FAILED, status_message=fields.get("error", "")
    )
    return ReplicationRun.objects.get(pk=run.pk)


def _alias_taken(account) -> ReplicationRun:
    return _fail(
        account, error="alias acme-web is taken by another AWS account; change the platform's "
        "alias pattern", error_step="alias", error_operation="CreateAccountAlias",
        error_code="EntityAlreadyExists",
    )  # fmt: skip


def _retrying(account) -> ReplicationRun:
    """The account's run parked after a throttled ListParents, as the engine leaves it."""
    run = account.runs.get()
    now = timezone.now()
    ReplicationRun.objects.filter(pk=run.pk).update(
        status="waiting", attempt=1, started_at=now, next_attempt_at=now + timedelta(seconds=7)
    )
    ReplicationStep.objects.create(
        run=run, attempt=1, position=6, name="organizational-unit", status="failed",
        started_at=now, finished_at=now, remark=RETRY_REMARK, detail="slow down",
        aws_calls=[{"service": "organizations", "operation": "ListParents", "request_id": "r1",
                    "duration_ms": 3, "error_code": "TooManyRequestsException"}],
    )  # fmt: skip
    ProjectAccount.objects.filter(pk=account.pk).update(
        status=ProjectAccount.Status.RETRYING, status_message=RETRY_REMARK,
        next_attempt_at=now + timedelta(seconds=7),
    )  # fmt: skip
    return ReplicationRun.objects.get(pk=run.pk)


# -- the catalogue --------------------------------------------------------------------------

# (code, step, operation, reason): each error the steps and checks meet has advice of its own,
# neither the generic text nor its step's fallback.
MET = [
    ("AccessDenied", "connect", "AssumeRole", ""),
    ("AccessDeniedException", "account", "CreateAccount", ""),
    ("AWSOrganizationsNotInUseException", "account", "DescribeOrganization", ""),
    ("TooManyRequestsException", "organizational-unit", "ListParents", ""),
    ("Throttling", "roles", "GetRole", ""),
    ("ConstraintViolationException", "account", "CreateAccount", "ACCOUNT_NUMBER_LIMIT_EXCEEDED"),
    ("ACCOUNT_NUMBER_LIMIT_EXCEEDED", "account", "CreateAccount", ""),
    ("EntityAlreadyExists", "alias", "CreateAccountAlias", ""),
    ("DuplicateAccountException", "retire-ou", "MoveAccount", ""),
    ("AccountNotFoundException", "account", "DescribeAccount", ""),
    ("InvalidClientTokenId", "connect", "AssumeRole", ""),
    ("ExpiredToken", "connect", "AssumeRole", ""),
    ("EndpointConnectionError", "connect", "AssumeRole", ""),
    ("FAILED", "bootstrap-stack", "", ""),
    ("INOPERABLE", "bootstrap-stack", "", ""),
    ("StackSetNotFound", "bootstrap-stack", "", ""),
    ("ConflictException", "groups", "UpdateGroup", ""),
    ("ConflictException", "assignments", "CreateAccountAssignment", ""),
    ("ResourceNotFoundException", "assignments", "CreateAccountAssignment", ""),
    ("ResourceNotFoundException", "memberships", "GetUserId", ""),
]


@pytest.mark.parametrize(("code", "step", "operation", "reason"), MET)
def test_it_has_advice_of_its_own_for_each_error_the_steps_meet(code, step, operation, reason):
    found = what_to_fix(code, step=step, operation=operation, reason=reason)

    assert found.text not in (GENERIC.text, STEP_FALLBACKS.get(step, GENERIC).text)
    assert "{" not in found.text and "{" not in found.field


def test_it_names_the_alias_pattern_for_an_alias_taken():
    found = what_to_fix("EntityAlreadyExists", step="alias", operation="CreateAccountAlias")

    assert found.field == "accountAliasPattern"
    assert "taken by another AWS account" in found.text


def test_it_reads_organizations_constraint_reason():
    found = what_to_fix(
        "ConstraintViolationException", step="account", reason="ACCOUNT_NUMBER_LIMIT_EXCEEDED"
    )

    assert "account quota" in found.text and "AWS Support" in found.text


@pytest.mark.parametrize(
    ("step", "operation", "action", "field"),
    [
        ("account", "CreateAccount", "organizations:CreateAccount", "organizationRootAccountRole"),
        ("roles", "CreateRole", "iam:CreateRole", "accountAccessRole"),
        ("bootstrap-stack", "CreateStackInstances", "cloudformation:CreateStackInstances",
         "automationAccountRole"),
        ("groups", "CreateGroup", "identitystore:CreateGroup", "identityCenter.roleArn"),
        ("assignments", "CreateAccountAssignment", "sso:CreateAccountAssignment",
         "identityCenter.roleArn"),
    ],
)  # fmt: skip
def test_it_gives_a_refusal_the_role_and_action_of_its_step(step, operation, action, field):
    found = what_to_fix("AccessDeniedException", step=step, operation=operation)

    assert action in found.text and found.field == field


def test_it_names_the_management_role_for_a_refused_assume_role_in_the_connect_step():
    found = what_to_fix("AccessDenied", step="connect", operation="AssumeRole")

    assert "trust policy" in found.text and found.field == "organizationRootAccountRole"


def test_it_falls_back_to_the_step_when_no_rule_knows_the_code():
    found = what_to_fix("SomethingNew", step="organizational-unit", operation="MoveAccount")

    assert found.field == "landingZones[].targetOrganizationalUnit"


def test_it_names_the_endpoint_that_does_not_answer():
    found = what_to_fix("EndpointConnectionError", endpoint="http://aws.example:4566")

    assert "http://aws.example:4566" in found.text and found.field == "endpointUrl"


# -- the connection check reads it ---------------------------------------------------------


def _assume_failing(monkeypatch, platform, error) -> str:
    def assume_role(**kwargs):
        raise error

    monkeypatch.setattr(aws, "assume_role", assume_role)
    checker = Checker(platform, platform_access(platform))
    check, _ = checker.assume(
        ASSUME_MANAGEMENT, "management", platform.organization_root_account_role, "x",
        aws.Credentials("AKIAEXAMPLE", "secret"),
    )  # fmt: skip
    return check.fix


def test_the_connection_check_takes_its_fix_from_the_catalogue(monkeypatch, platform):
    monkeypatch.setattr(
        advice, "RULES", (advice.Rule(frozenset({"AccessDenied"}), "the catalogue says {what}"),)
    )
    refused = aws.AwsError("AssumeRole", "AccessDenied", "no", transient=False)

    assert _assume_failing(monkeypatch, platform, refused) == "the catalogue says management"


def test_the_connection_check_says_a_throttled_call_needs_nothing_but_another_try(
    monkeypatch, platform
):
    throttled = aws.AwsError("AssumeRole", "Throttling", "slow down", transient=True)

    fix = _assume_failing(monkeypatch, platform, throttled)

    assert fix == what_to_fix("Throttling").text
    assert fix.startswith("nothing, unless it lasts")


# -- the pages ------------------------------------------------------------------------------


def test_the_account_page_shows_what_to_fix_for_a_failed_run(client, alice, account):
    _alias_taken(account)
    client.force_login(alice)

    html = client.get(f"/accounts/{account.pk}/").content.decode()

    assert 'data-testid="what-to-fix"' in html
    assert "taken by another AWS account" in html
    assert '<code data-testid="fix-field">accountAliasPattern</code>' in html
    assert 'data-testid="fix-edit-platform"' in html


def test_support_staff_see_what_to_fix_without_the_platform_edit_link(client, bob, account):
    _alias_taken(account)
    client.force_login(bob)

    html = client.get(f"/accounts/{account.pk}/").content.decode()

    assert "accountAliasPattern" in html and 'data-testid="fix-edit-platform"' not in html


def test_the_account_page_shows_what_to_fix_for_a_retrying_run(client, alice, account):
    _retrying(account)
    client.force_login(alice)

    html = client.get(f"/accounts/{account.pk}/").content.decode()

    assert 'data-testid="what-to-fix"' in html
    assert '<code data-testid="fix-code">TooManyRequestsException</code>' in html
    assert "in step organizational-unit" in html and "keeps retrying" in html


def test_the_live_view_shows_what_to_fix_while_the_run_retries(client, alice, account):
    _retrying(account)
    client.force_login(alice)

    html = client.get(f"/accounts/{account.pk}/live/").content.decode()

    assert 'data-testid="what-to-fix"' in html and "TooManyRequestsException" in html


def test_the_account_page_shows_nothing_to_fix_for_a_run_in_progress(client, alice, account):
    client.force_login(alice)

    html = client.get(f"/accounts/{account.pk}/").content.decode()

    assert 'data-testid="what-to-fix"' not in html


def test_the_runs_list_gives_a_failed_run_one_line_of_what_to_fix(client, charlie, account):
    _alias_taken(account)
    client.force_login(charlie)

    html = client.get("/runs/").content.decode()

    assert 'data-testid="what-to-fix-hint"' in html and "accountAliasPattern" in html


def test_the_dashboard_says_what_to_fix_for_a_failing_account(client, alice, account):
    _alias_taken(account)
    client.force_login(alice)

    html = client.get("/").content.decode()

    assert 'data-testid="what-to-fix-hint"' in html and "accountAliasPattern" in html


def test_the_dashboard_says_what_to_fix_for_a_retrying_account(client, alice, account):
    _retrying(account)
    client.force_login(alice)

    html = client.get("/").content.decode()

    assert 'data-testid="what-to-fix-hint"' in html
    assert what_to_fix("TooManyRequestsException").text[:60] in html


def test_the_api_gives_a_failed_run_what_to_fix(charlie, account):
    run = _alias_taken(account)

    body = api_for(charlie).get(f"/api/v1/runs/{run.pk}/").json()

    assert body["what_to_fix"]["field"] == "accountAliasPattern"
    assert body["what_to_fix"]["code"] == "EntityAlreadyExists"


def test_the_api_gives_a_retrying_run_what_to_fix(charlie, account):
    run = _retrying(account)

    body = api_for(charlie).get(f"/api/v1/runs/{run.pk}/").json()

    assert body["what_to_fix"]["code"] == "TooManyRequestsException"
    assert body["what_to_fix"]["text"] == what_to_fix("TooManyRequestsException").text
