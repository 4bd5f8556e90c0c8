"""The sandbox bootstrap against a real moto_server: the integration page's setup, idempotent."""

import json
import stat

import pytest

import aws
from sandbox import setup
from tests.helpers import free_port, reset_sandbox, run_to_end

pytestmark = pytest.mark.sandbox


@pytest.fixture
def bootstrap(sandbox_url, tmp_path):
    state_file = tmp_path / "sandbox.json"

    def run():
        return setup.bootstrap(
            endpoint_url=sandbox_url, region="eu-central-1", state_file=state_file
        )

    run.state_file = state_file
    run.url = sandbox_url
    return run


def _management(url, service, region="us-east-1"):
    return aws.client(
        service, region=region, credentials=setup.MANAGEMENT_CREDENTIALS, endpoint_url=url
    )


def _in_account(url, account_id, service):
    credentials = aws.assume_role(
        credentials=setup.MANAGEMENT_CREDENTIALS,
        role_arn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
        session_name="test",
        region="eu-central-1",
        endpoint_url=url,
    )
    return aws.client(service, region="eu-central-1", credentials=credentials, endpoint_url=url)


def test_it_sets_up_the_organization_accounts_and_ou(bootstrap):
    state = bootstrap()
    org = _management(bootstrap.url, "organizations")
    accounts = {a["Name"]: a["Id"] for a in aws.paginate(org, "list_accounts", "Accounts")}
    assert accounts["meshcloud"] == state.meshcloud_account_id
    assert accounts["automation"] == state.automation_account_id
    assert state.management_account_id in accounts.values()
    units = aws.call(org, "list_organizational_units_for_parent", ParentId=state.root_id)
    assert [u["Id"] for u in units["OrganizationalUnits"]] == [state.landing_zone_ou_id]
    assert state.landing_zone_ou_id.startswith("ou-") and state.root_id.startswith("r-")


def test_it_creates_the_roles_in_their_accounts_trusting_the_service_user(bootstrap):
    state = bootstrap()
    user_arn = f"arn:aws:iam::{state.meshcloud_account_id}:user/meshfed-service"
    assert state.service_user_arn == user_arn
    assert (
        state.service_role_arn
        == f"arn:aws:iam::{state.management_account_id}:role/MeshfedServiceRole"
    )
    assert (
        state.automation_role_arn
        == f"arn:aws:iam::{state.automation_account_id}:role/MeshfedAutomationRole"
    )

    management_iam = _management(bootstrap.url, "iam")
    role = aws.call(management_iam, "get_role", RoleName="MeshfedServiceRole")["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {"AWS": user_arn}
    assert trust["Statement"][0]["Condition"] == {
        "StringEquals": {"sts:ExternalId": state.management_external_id}
    }
    policy = aws.call(
        management_iam,
        "get_role_policy",
        RoleName="MeshfedServiceRole",
        PolicyName="MeshfedServiceRolePolicy",
    )["PolicyDocument"]
    policy = json.loads(policy) if isinstance(policy, str) else policy
    condition = policy["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"]
    assert condition == state.privileged_external_id

    automation_iam = _in_account(bootstrap.url, state.automation_account_id, "iam")
    assert (
        aws.call(automation_iam, "get_role", RoleName="MeshfedAutomationRole")["Role"]["Arn"]
        == state.automation_role_arn
    )
    with pytest.raises(aws.AwsError) as missing:
        aws.call(management_iam, "get_role", RoleName="MeshfedAutomationRole")
    assert missing.value.code == "NoSuchEntity"


def test_it_gives_the_service_user_keys_that_reach_the_management_role(bootstrap):
    state = bootstrap()
    keys = aws.Credentials(state.access_key_id, state.secret_access_key)
    assumed = aws.assume_role(
        credentials=keys,
        role_arn=state.service_role_arn,
        session_name="meshaws",
        region="eu-central-1",
        external_id=state.management_external_id,
        endpoint_url=bootstrap.url,
    )
    org = aws.client(
        "organizations", region="us-east-1", credentials=assumed, endpoint_url=bootstrap.url
    )
    assert aws.call(org, "list_roots")["Roots"][0]["Id"] == state.root_id


def test_it_changes_nothing_when_run_again(bootstrap):
    first = bootstrap()
    second = bootstrap()
    assert second == first
    org = _management(bootstrap.url, "organizations")
    assert len(list(aws.paginate(org, "list_accounts", "Accounts"))) == 3
    units = aws.call(org, "list_organizational_units_for_parent", ParentId=first.root_id)[
        "OrganizationalUnits"
    ]
    assert len(units) == 1
    meshcloud_iam = _in_account(bootstrap.url, first.meshcloud_account_id, "iam")
    keys = aws.call(meshcloud_iam, "list_access_keys", UserName="meshfed-service")[
        "AccessKeyMetadata"
    ]
    assert [key["AccessKeyId"] for key in keys] == [first.access_key_id]


def test_it_starts_over_on_a_fresh_emulator_and_keeps_the_external_id(bootstrap, sandbox_url):
    first = bootstrap()
    reset_sandbox(sandbox_url)
    second = bootstrap()
    assert second.access_key_id != first.access_key_id
    assert second.privileged_external_id == first.privileged_external_id
    org = _management(bootstrap.url, "organizations")
    assert aws.call(org, "describe_organization")["Organization"]["Id"] == second.organization_id


def test_it_keeps_the_state_file_private_and_prints_no_secrets(bootstrap):
    state = bootstrap()
    assert stat.S_IMODE(bootstrap.state_file.stat().st_mode) == 0o600
    assert (
        json.loads(bootstrap.state_file.read_text())["secret_access_key"] == state.secret_access_key
    )
    summary = json.dumps(state.public_summary())
    assert state.secret_access_key not in summary and state.privileged_external_id not in summary
    assert state.secret_access_key not in repr(
        aws.Credentials(state.access_key_id, state.secret_access_key)
    )


@pytest.mark.django_db
def test_the_dashboard_shows_the_bootstrapped_ids_and_no_secret(bootstrap, client, alice, settings):
    settings.MESHAWS_SANDBOX_STATE_FILE = bootstrap.state_file
    client.force_login(alice)
    assert "Not bootstrapped on this machine" in client.get("/").content.decode()
    state = bootstrap()
    page = client.get("/").content.decode()
    assert state.organization_id in page and state.landing_zone_ou_id in page
    assert state.automation_account_id in page and state.endpoint_url in page
    assert state.secret_access_key not in page and state.privileged_external_id not in page


def test_it_reports_an_unreachable_emulator_as_a_transient_aws_error(tmp_path):
    with pytest.raises(aws.AwsError) as failure:
        setup.bootstrap(
            endpoint_url=f"http://127.0.0.1:{free_port()}",
            region="eu-central-1",
            state_file=tmp_path / "s.json",
        )
    assert failure.value.operation == "DescribeOrganization"
    assert failure.value.transient
    assert not (tmp_path / "s.json").exists()


@pytest.mark.django_db
def test_it_configures_a_platform_that_replicates_into_the_sandbox(bootstrap):
    from accounts.services import customer_create, project_account_create, project_create

    state = bootstrap()
    applied = setup.configure_platform(state)
    assert applied.created and applied.platform.full_identifier == "sandbox.local"
    assert not setup.configure_platform(state).changed
    project = project_create(
        customer=customer_create(identifier="acme", actor=None), identifier="web", actor=None
    )
    account = project_account_create(project=project, platform=applied.platform, actor=None)
    assert run_to_end(account.runs.get().pk)[0] == "succeeded"
    roles = account.runs.get().steps.get(name="roles")
    assert roles.status == "changed" and "created ProjectAdmin" in roles.remark
