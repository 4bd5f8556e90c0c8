"""The connection check against the sandbox emulator: command, page, and who may run it."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

import aws
from platforms.connection import (
    ASSUME_AUTOMATION,
    ASSUME_MANAGEMENT,
    CREDENTIALS,
    LIST_ROOTS,
    check_platform,
)
from platforms.models import LandingZone

pytestmark = pytest.mark.sandbox

MISSING_OU = "ou-abcd-12345678"
MISSING_STACK_SET = "no-such-stack-set"
CHECK_URL = "/platforms/local/aws/check/"
DETAIL_URL = "/platforms/local/aws/"


def by_name(checks):
    return {check.name: check for check in checks}


def secret_values(platform, state):
    return (state.access_key_id, state.secret_access_key, state.privileged_external_id)


@pytest.fixture
def missing_ou(sandbox_platform):
    LandingZone.objects.filter(platform=sandbox_platform, identifier="default").update(
        target_organizational_unit=MISSING_OU
    )
    return sandbox_platform


@pytest.fixture
def missing_stack_set(sandbox_platform):
    LandingZone.objects.filter(platform=sandbox_platform, identifier="default").update(
        stack_set_name=MISSING_STACK_SET, stack_set_region="eu-central-1", bootstrap_template=""
    )
    return sandbox_platform


@pytest.fixture
def management_refused(monkeypatch, sandbox_platform):
    """AssumeRole of the management role answers AccessDenied (the emulator never does)."""
    real = aws.assume_role
    role = sandbox_platform.organization_root_account_role

    def assume_role(*, role_arn, **kwargs):
        if role_arn == role:
            raise aws.AwsError(
                "AssumeRole", "AccessDenied", f"not authorized to assume {role_arn}",
                transient=False,
            )  # fmt: skip
        return real(role_arn=role_arn, **kwargs)

    monkeypatch.setattr(aws, "assume_role", assume_role)
    return sandbox_platform


def test_it_passes_every_check_for_the_sandbox_platform(sandbox_platform, sandbox_state):
    checks = check_platform(sandbox_platform)

    assert [check for check in checks if not check.passed] == []
    names = [check.name for check in checks]
    assert names[:4] == [CREDENTIALS, ASSUME_MANAGEMENT, LIST_ROOTS, ASSUME_AUTOMATION]
    assert by_name(checks)[CREDENTIALS].detail == "using the service user's access keys"
    ou = sandbox_state.landing_zone_ou_id
    assert f"landing zone default: target {ou}" in names
    assert f"landing zone bootstrapped: target {ou}" in names
    own = by_name(checks)["landing zone bootstrapped: StackSet meshaws-aws-bootstrapped"]
    assert "meshaws will create StackSet meshaws-aws-bootstrapped" in own.detail
    assert sandbox_state.root_id in by_name(checks)[LIST_ROOTS].detail
    text = repr(checks)
    for secret in secret_values(sandbox_platform, sandbox_state):
        assert secret not in text


def test_it_accepts_the_organization_root_as_target(sandbox_platform, sandbox_state):
    LandingZone.objects.filter(platform=sandbox_platform, identifier="default").update(
        target_organizational_unit=sandbox_state.root_id
    )
    check = by_name(check_platform(sandbox_platform))[
        f"landing zone default: target {sandbox_state.root_id}"
    ]
    assert check.passed, check


def test_it_names_a_landing_zone_ou_that_does_not_exist(missing_ou):
    checks = check_platform(missing_ou)

    failed = [check for check in checks if not check.passed]
    assert [check.name for check in failed] == [f"landing zone default: target {MISSING_OU}"]
    assert failed[0].aws_error_code
    assert MISSING_OU in failed[0].fix
    assert "does not exist in the organization" in failed[0].fix
    assert "fix the landing zone" in failed[0].fix


def test_it_names_a_stack_set_that_does_not_exist(missing_stack_set):
    checks = check_platform(missing_stack_set)

    failed = [check for check in checks if not check.passed]
    assert [check.name for check in failed] == [
        f"landing zone default: StackSet {MISSING_STACK_SET}"
    ]
    assert failed[0].aws_error_code == "StackSetNotFoundException"
    assert f"create the StackSet {MISSING_STACK_SET}" in failed[0].fix
    assert "or fix the landing zone" in failed[0].fix


def test_it_passes_for_a_stack_set_that_exists(missing_stack_set, sandbox_state):
    automation = aws.assume_role(
        credentials=aws.Credentials(sandbox_state.access_key_id, sandbox_state.secret_access_key),
        role_arn=sandbox_state.automation_role_arn, session_name="test", region="eu-central-1",
        external_id=sandbox_state.automation_external_id, endpoint_url=sandbox_state.endpoint_url,
    )  # fmt: skip
    cloudformation = aws.client(
        "cloudformation", region="eu-central-1", credentials=automation,
        endpoint_url=sandbox_state.endpoint_url,
    )  # fmt: skip
    aws.call(
        cloudformation, "create_stack_set", StackSetName=MISSING_STACK_SET,
        TemplateBody='{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}',
    )  # fmt: skip

    check = by_name(check_platform(missing_stack_set))[
        f"landing zone default: StackSet {MISSING_STACK_SET}"
    ]
    assert check.passed, check


def test_it_reports_a_refused_assume_role_and_skips_what_needs_it(management_refused):
    checks = by_name(check_platform(management_refused))

    refused = checks[ASSUME_MANAGEMENT]
    assert not refused.passed
    assert refused.aws_error_code == "AccessDenied"
    assert "trust policy allows the meshfed-service user" in refused.fix
    assert "external id matches" in refused.fix
    assert checks[LIST_ROOTS].detail == f"skipped: needs {ASSUME_MANAGEMENT}"
    assert not checks[LIST_ROOTS].passed
    targets = [check for name, check in checks.items() if ": target " in name]
    assert targets and all(
        not check.passed and check.detail == f"skipped: needs {ASSUME_MANAGEMENT}"
        for check in targets
    )
    # The automation role is independent of the management role.
    assert checks[ASSUME_AUTOMATION].passed


def test_it_checks_from_the_command(sandbox_platform):
    out = StringIO()
    call_command("check_platform", "aws.local", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"PASS  {CREDENTIALS}: ")
    assert lines[1].startswith(f"PASS  {ASSUME_MANAGEMENT}: ")
    assert all(line.startswith("PASS  ") for line in lines[:-1])
    assert "all" in lines[-1] and "passed" in lines[-1]


def test_it_exits_non_zero_from_the_command_with_the_failing_lines(management_refused):
    out = StringIO()
    with pytest.raises(CommandError, match=r"checks failed"):
        call_command("check_platform", "aws.local", stdout=out)

    failing = [line for line in out.getvalue().splitlines() if line.startswith("FAIL  ")]
    assert failing[0].startswith(f"FAIL  {ASSUME_MANAGEMENT}: ")
    assert "[AccessDenied]" in failing[0]
    assert "fix: check the role's trust policy" in failing[0]
    assert any(f"FAIL  {LIST_ROOTS}: skipped: needs {ASSUME_MANAGEMENT}" in f for f in failing)


def test_it_refuses_an_unknown_platform_from_the_command(db):
    with pytest.raises(CommandError, match="no platform 'nope.nowhere'"):
        call_command("check_platform", "nope.nowhere", stdout=StringIO())


def test_it_shows_the_table_to_an_operator_with_htmx(client, alice, missing_ou):
    client.force_login(alice)

    response = client.post(CHECK_URL, headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'class="badge ok"' in html and 'class="badge bad"' in html
    assert MISSING_OU in html and "fix the landing zone" in html


def test_it_shows_a_page_to_an_operator_without_javascript(client, alice, sandbox_platform):
    client.force_login(alice)

    response = client.post(CHECK_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and "Connection check" in html
    assert 'class="badge ok"' in html and 'class="badge bad"' not in html
    assert ASSUME_MANAGEMENT in html


def test_it_shows_the_check_button_to_operators_only(client, alice, bob, charlie, sandbox_platform):
    client.force_login(alice)
    html = client.get(DETAIL_URL).content.decode()
    assert 'data-testid="check-connection"' in html
    assert f'hx-post="{CHECK_URL}"' in html and "X-CSRFToken" in html
    assert 'hx-target="#connection-check"' in html and 'id="connection-check"' in html

    for persona in (bob, charlie):
        client.force_login(persona)
        response = client.get(DETAIL_URL)
        assert response.status_code == 200
        assert 'data-testid="check-connection"' not in response.content.decode()


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_it_refuses_the_check_to_support_and_auditors(client, request, persona, sandbox_platform):
    client.force_login(request.getfixturevalue(persona))

    assert client.post(CHECK_URL).status_code == 403
    assert client.post(CHECK_URL, headers={"HX-Request": "true"}).status_code == 403


def test_it_accepts_only_post(client, alice, sandbox_platform):
    client.force_login(alice)

    assert client.get(CHECK_URL).status_code == 405
