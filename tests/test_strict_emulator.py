"""The strict emulator refuses what AWS refuses: each rule against a plain moto_server too.

Every test makes the same calls against a plain moto_server (a separate process, without the
strict layer) and against the suite's emulator: plain moto accepts, the strict one refuses as
AWS does. So each test fails without the layer, and says so if moto ever becomes strict itself.
"""

import pytest
from moto.core.utils import get_service_model

import aws
from platforms.config_io import parse_record
from platforms.connection import ASSUME_MANAGEMENT, check_platform
from platforms.services import location_create, platform_apply
from sandbox import setup, strict_emulator
from sandbox.strict_emulator.parameters import compiled, python_pattern
from tests.helpers import emulator_client, refusal, reset_sandbox, sandbox_record

pytestmark = pytest.mark.sandbox


@pytest.fixture
def emulators(plain_moto_server, sandbox_url, strictness):
    """(plain, strict): both emptied, each with an organization of the management account."""
    reset_sandbox(plain_moto_server)
    for url in (plain_moto_server, sandbox_url):
        emulator_client(url, "organizations").create_organization(FeatureSet="ALL")
    return plain_moto_server, sandbox_url


def create_account(url, name, email, **extra) -> dict:
    """CreateAccount in the management account's organization; its CreateAccountStatus."""
    org = emulator_client(url, "organizations")
    return org.create_account(AccountName=name, Email=email, **extra)["CreateAccountStatus"]


def assume(url, credentials, role_arn, external_id=None):
    """AssumeRole of `role_arn` with `credentials`; the session's credentials."""
    extra = {"ExternalId": external_id} if external_id else {}
    sts = emulator_client(url, "sts", credentials, region="eu-central-1")
    return sts.assume_role(RoleArn=role_arn, RoleSessionName="test", **extra)["Credentials"]


def as_credentials(answer) -> aws.Credentials:
    """AssumeRole's credentials as meshaws holds them."""
    return aws.Credentials(answer["AccessKeyId"], answer["SecretAccessKey"], answer["SessionToken"])


# -- parameters against the service model -----------------------------------------------------

INVALID_PARAMETERS = [
    pytest.param(
        lambda url: emulator_client(url, "iam").create_role(
            RoleName="rôle", AssumeRolePolicyDocument='{"Version": "2012-10-17", "Statement": []}'
        ),
        (400, "ValidationError", "roleName", None),
        id="iam-pattern-java-ascii-word",
    ),
    pytest.param(
        lambda url: create_account(
            url, "tagged", "tagged@example.com", Tags=[{"Key": "cost<center>", "Value": "42"}]
        ),
        (400, "InvalidInputException", "tags.1.member.key", "INVALID_PATTERN"),
        id="organizations-nested-list-member-pattern",
    ),
    pytest.param(
        lambda url: emulator_client(url, "sts").assume_role(
            RoleArn="arn:aws:iam::123456789012:role/Any",
            RoleSessionName="test",
            DurationSeconds=50000,
        ),
        (400, "ValidationError", "durationSeconds", None),
        id="sts-integer-max",
    ),
    pytest.param(
        lambda url: create_account(url, "path", "path@example.com", RoleName="/team/Access"),
        (400, "InvalidInputException", "roleName", "INVALID_PATTERN"),
        id="organizations-role-name-with-a-path",
    ),
    pytest.param(
        lambda url: create_account(url, "n" * 51, "long@example.com"),
        (400, "InvalidInputException", "accountName", "MAX_LENGTH_EXCEEDED"),
        id="organizations-string-max",
    ),
    pytest.param(
        lambda url: emulator_client(
            url, "cloudformation", region="eu-central-1"
        ).describe_stack_set_operation(
            StackSetName="meshaws-aws-default", OperationId="-not-an-id"
        ),
        (400, "ValidationError", "operationId", None),
        id="cloudformation-pattern",
    ),
]


@pytest.mark.parametrize(("call", "expected"), INVALID_PARAMETERS)
def test_it_refuses_parameters_that_break_the_model_naming_them(emulators, call, expected):
    plain, strict = emulators
    status, code, parameter, reason = expected

    plain_answer = refusal(call, plain)
    assert plain_answer is None or plain_answer["code"] != code

    refused = refusal(call, strict)
    assert (refused["status"], refused["code"], refused["reason"]) == (status, code, reason)
    assert f"Value at '{parameter}' failed to satisfy constraint" in refused["message"]


def test_it_reads_the_models_java_patterns_as_java_does():
    assert python_pattern(r"[\w+=,.@-]+") == r"[a-zA-Z0-9_+=,.@-]+"
    assert python_pattern(r"^\S{1,128}$") == r"^[^ \t\n\x0B\f\r]{1,128}$"
    assert python_pattern(r"[\s\S]*") == r"[\s\S]*"  # any character, in Java as in Python
    tag_key = r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$"  # Organizations' TagKey: Unicode classes
    assert compiled(tag_key).fullmatch("Größe: 42") and not compiled(tag_key).fullmatch("a<b")
    assert compiled(r"[\w+=,.@-]+").fullmatch("rôle") is None


def test_every_pattern_of_the_strict_services_is_enforced():
    for service in strict_emulator.SERVICES:
        model = get_service_model(service)
        for name in model.shape_names:
            pattern = model.shape_for(name).metadata.get("pattern")
            assert pattern is None or compiled(pattern) is not None, (service, name, pattern)
    assert strict_emulator.skipped_patterns() == frozenset()


# -- AssumeRole: trust policies, external ids, the caller's own policies ----------------------


@pytest.fixture
def bootstrapped(emulators, tmp_path):
    """(plain, strict) sandbox states: the integration page's setup on each emulator."""
    plain, strict = emulators
    return tuple(
        setup.bootstrap(endpoint_url=url, region="eu-central-1", state_file=tmp_path / name)
        for url, name in ((plain, "plain.json"), (strict, "strict.json"))
    )


def service_user(state) -> aws.Credentials:
    """The sandbox service user's keys."""
    return aws.Credentials(state.access_key_id, state.secret_access_key)


@pytest.mark.parametrize("external_id", ["wrong-external-id", None], ids=["wrong", "missing"])
def test_it_refuses_the_management_role_without_its_external_id(bootstrapped, external_id):
    plain, strict = bootstrapped

    assert assume(plain.endpoint_url, service_user(plain), plain.service_role_arn, external_id)
    url, keys = strict.endpoint_url, service_user(strict)
    refused = refusal(assume, url, keys, strict.service_role_arn, external_id)
    assert refused["status"] == 403 and refused["code"] == "AccessDenied"
    assert refused["message"] == (
        f"User: {strict.service_user_arn} is not authorized to perform: sts:AssumeRole on "
        f"resource: {strict.service_role_arn}"
    )
    assert assume(url, keys, strict.service_role_arn, strict.management_external_id)


def test_it_refuses_a_role_that_does_not_exist(bootstrapped):
    plain, strict = bootstrapped
    missing = f"arn:aws:iam::{setup.MANAGEMENT_ACCOUNT_ID}:role/NoSuchRole"

    assert assume(plain.endpoint_url, service_user(plain), missing)
    refused = refusal(assume, strict.endpoint_url, service_user(strict), missing)
    assert refused["code"] == "AccessDenied" and missing in refused["message"]


def test_it_refuses_a_principal_the_trust_does_not_name(bootstrapped):
    plain, strict = bootstrapped
    root = setup.MANAGEMENT_CREDENTIALS  # the management account's root: not the service user

    assert assume(plain.endpoint_url, root, plain.automation_role_arn, plain.automation_external_id)
    url, role, external_id = (
        strict.endpoint_url, strict.automation_role_arn, strict.automation_external_id
    )  # fmt: skip
    refused = refusal(assume, url, root, role, external_id)
    assert refused["code"] == "AccessDenied"
    assert refused["message"].startswith(f"User: arn:aws:iam::{setup.MANAGEMENT_ACCOUNT_ID}:root ")


def test_it_needs_the_privileged_external_id_that_the_management_roles_policy_demands(
    bootstrapped,
):
    """The member role trusts the whole management account; the service role's own policy
    allows it only with the privileged external id (docs/aws-setup.md)."""
    outcomes = []
    for state in bootstrapped:
        url = state.endpoint_url
        account_id = create_account(
            url, "member", "member@example.com", RoleName=setup.ACCOUNT_ACCESS_ROLE
        )["AccountId"]
        management = as_credentials(
            assume(url, service_user(state), state.service_role_arn, state.management_external_id)
        )
        member_role = f"arn:aws:iam::{account_id}:role/{setup.ACCOUNT_ACCESS_ROLE}"
        outcomes.append(
            (
                refusal(assume, url, management, member_role, "wrong-external-id"),
                refusal(assume, url, management, member_role, state.privileged_external_id),
            )
        )
    (plain_wrong, plain_right), (strict_wrong, strict_right) = outcomes
    assert plain_wrong is None and plain_right is None
    assert strict_wrong["code"] == "AccessDenied" and strict_right is None
    assert ":assumed-role/MeshfedServiceRole/test is not authorized" in strict_wrong["message"]


@pytest.mark.django_db
def test_the_sandbox_connection_check_fails_for_a_wrong_external_id(bootstrapped):
    location = location_create(identifier="local", display_name="Sandbox", actor=None)
    checks = {}
    for name, state in zip(("plain", "strict"), bootstrapped, strict=True):
        record = sandbox_record(
            state, platform=name, organizationRootAccountExternalId="wrong-external-id"
        )
        platform = platform_apply(
            location=location, record=parse_record(record), actor=None
        ).platform
        checks[name] = {check.name: check for check in check_platform(platform)}

    assert checks["plain"][ASSUME_MANAGEMENT].passed
    refused = checks["strict"][ASSUME_MANAGEMENT]
    assert not refused.passed and refused.aws_error_code == "AccessDenied"
    assert "external id matches" in refused.fix


def test_it_refuses_a_new_account_for_its_grace(emulators, strictness):
    plain, strict = emulators
    strictness.access_grace_seconds = 3600
    access = {}
    for url in emulators:
        account_id = create_account(url, "fresh", "fresh@example.com")["AccountId"]
        role = f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole"
        access[url] = (role, refusal(assume, url, setup.MANAGEMENT_CREDENTIALS, role))

    assert access[plain][1] is None
    role, refused = access[strict]
    assert refused["code"] == "AccessDenied" and role in refused["message"]
    strict_emulator.settle_accounts()
    assert assume(strict, setup.MANAGEMENT_CREDENTIALS, role)


# -- Organizations: State, creations in flight, e-mails -----------------------------------------


def test_accounts_carry_state_and_no_status(emulators):
    plain, strict = emulators
    shapes = {}
    for url in emulators:
        org = emulator_client(url, "organizations")
        account_id = create_account(url, "member", "member@example.com")["AccountId"]
        root_id = org.list_roots()["Roots"][0]["Id"]
        shapes[url] = [
            org.describe_account(AccountId=account_id)["Account"],
            *org.list_accounts()["Accounts"],
            *org.list_accounts_for_parent(ParentId=root_id)["Accounts"],
        ]

    assert all("Status" in shape for shape in shapes[plain])
    assert all("Status" not in shape and shape["State"] == "ACTIVE" for shape in shapes[strict])


def test_it_keeps_at_most_five_creations_in_flight_per_organization(emulators, strictness):
    plain, strict = emulators
    strictness.creation_seconds = 3600

    assert [create_account(plain, f"a{n}", f"a{n}@example.com")["State"] for n in range(6)] == [
        "SUCCEEDED"
    ] * 6
    started = [create_account(strict, f"a{n}", f"a{n}@example.com") for n in range(5)]
    assert {status["State"] for status in started} == {"IN_PROGRESS"}
    assert all("AccountId" not in status for status in started)
    sixth = refusal(create_account, strict, "a5", "a5@example.com")
    assert (sixth["code"], sixth["reason"]) == (
        "ConstraintViolationException",
        "ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED",
    )
    org = emulator_client(strict, "organizations")
    assert len(org.list_accounts()["Accounts"]) == 1  # the management account only

    strict_emulator.settle_accounts()
    ended = org.describe_create_account_status(CreateAccountRequestId=started[0]["Id"])
    assert ended["CreateAccountStatus"]["State"] == "SUCCEEDED"
    assert len(org.list_accounts()["Accounts"]) == 6
    assert create_account(strict, "a5", "a5@example.com")["State"] == "IN_PROGRESS"


def test_a_creation_with_a_taken_email_fails_as_aws_says(emulators):
    plain, strict = emulators
    outcomes = {}
    for url in emulators:
        create_account(url, "first", "taken@example.com")
        second = create_account(url, "second", "Taken@Example.com")
        org = emulator_client(url, "organizations")
        failed = org.list_create_account_status(States=["FAILED"])["CreateAccountStatuses"]
        outcomes[url] = (second, failed, len(org.list_accounts()["Accounts"]))

    assert outcomes[plain][0]["State"] == "SUCCEEDED" and outcomes[plain][2] == 3
    second, failed, listed = outcomes[strict]
    assert (second["State"], second["FailureReason"]) == ("FAILED", "EMAIL_ALREADY_EXISTS")
    assert "AccountId" not in second and listed == 2
    assert [status["Id"] for status in failed] == [second["Id"]]
    described = emulator_client(strict, "organizations").describe_create_account_status(
        CreateAccountRequestId=second["Id"]
    )["CreateAccountStatus"]
    assert described["FailureReason"] == "EMAIL_ALREADY_EXISTS"


# -- Organizations: closing accounts ------------------------------------------------------------


def test_a_closure_is_pending_first_then_suspended_and_never_requested_twice(emulators):
    plain, strict = emulators
    seen = {}
    for url in emulators:
        org = emulator_client(url, "organizations")
        account_id = create_account(url, "member", "member@example.com")["AccountId"]
        org.close_account(AccountId=account_id)
        listed = [a["State"] for a in org.list_accounts()["Accounts"] if a["Id"] == account_id]
        described = [org.describe_account(AccountId=account_id)["Account"]["State"] for _ in "ab"]
        seen[url] = (listed, described, refusal(org.close_account, AccountId=account_id))

    assert seen[plain][:2] == (["SUSPENDED"], ["SUSPENDED", "SUSPENDED"])
    listed, described, again = seen[strict]
    assert (listed, described) == (["PENDING_CLOSURE"], ["PENDING_CLOSURE", "SUSPENDED"])
    assert again["code"] == "AccountAlreadyClosedException"


def test_closures_beyond_the_quota_and_of_the_management_account_are_refused(emulators, strictness):
    plain, strict = emulators
    strictness.close_account_quota = 1
    answers = {}
    for url in emulators:
        org = emulator_client(url, "organizations")
        first, second = (create_account(url, n, f"{n}@example.com")["AccountId"] for n in "ab")
        org.close_account(AccountId=first)
        management = org.describe_organization()["Organization"]["MasterAccountId"]
        answers[url] = (
            refusal(org.close_account, AccountId=second),
            refusal(org.close_account, AccountId=management),
        )

    assert answers[plain] == (None, None)
    over_quota, management = answers[strict]
    assert (over_quota["code"], over_quota["reason"]) == (
        "ConstraintViolationException", "CLOSE_ACCOUNT_QUOTA_EXCEEDED",
    )  # fmt: skip
    assert management["reason"] == "CANNOT_CLOSE_MANAGEMENT_ACCOUNT"
    strictness.close_account_quota = None  # AWS's: at least 250 in 30 days
    assert refusal(emulator_client(strict, "organizations").close_account, AccountId=second) is None


# -- IAM account aliases ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "code"),
    [("taken-alias", "EntityAlreadyExists"), ("two--hyphens", "ValidationError"),
     ("a" * 64, "ValidationError"), ("Upper", "ValidationError")],
)  # fmt: skip
def test_account_aliases_follow_iams_rules_and_are_unique(emulators, alias, code):
    plain, strict = emulators
    answers = {}
    for url in emulators:
        account_id = create_account(url, "member", "member@example.com")["AccountId"]
        role = f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole"
        member = as_credentials(assume(url, setup.MANAGEMENT_CREDENTIALS, role))
        emulator_client(url, "iam", member).create_account_alias(AccountAlias="taken-alias")
        answers[url] = refusal(emulator_client(url, "iam").create_account_alias, AccountAlias=alias)

    assert answers[plain] is None
    assert answers[strict]["code"] == code
    assert answers[strict]["status"] == (409 if code == "EntityAlreadyExists" else 400)


# -- settings and reset -------------------------------------------------------------------------


def test_a_reset_brings_back_the_configured_settings(sandbox_url, strictness):
    strictness.creation_seconds = 3600
    strictness.access_grace_seconds = 60
    strictness.assignment_polls_in_progress = 5
    strictness.assignment_failures["arn:aws:sso:::permissionSet/ssoins-x/ps-y"] = "Failed"
    strictness.closure_polls_pending, strictness.close_account_quota = 3, 0

    reset_sandbox(sandbox_url)

    assert strictness == strict_emulator.Strictness()
    with pytest.raises(TypeError, match="no setting 'creation_minutes'"):
        strict_emulator.configure(creation_minutes=1)
