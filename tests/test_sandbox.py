"""The sandbox bootstrap against a real moto_server: the integration page's setup, idempotent."""

import json
import stat

import pytest

import aws
from accounts.models import ProjectRole
from accounts.services import (
    binding_create,
    customer_create,
    project_account_create,
    project_create,
)
from platforms.config_io import record_of
from platforms.config_io.record import IdentityCenterRecord
from replication.adoption import Adoption, accounts_adopt
from replication.discovery import discovery_run
from replication.models import UnmanagedAccount
from sandbox import setup, unmanaged
from tests.helpers import as_list, free_port, reset_sandbox, run_to_end

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
    assert sorted(u["Id"] for u in units["OrganizationalUnits"]) == sorted(
        [state.landing_zone_ou_id, state.retired_ou_id]
    )
    retired_zone = setup.platform_record(state)["landingZones"][0]
    assert retired_zone["retiredOrganizationalUnit"] == state.retired_ou_id
    assert retired_zone["closeAccountOnDeletion"] is True
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


def test_it_sets_up_identity_center_with_three_permission_sets_and_the_sample_users(bootstrap):
    state = bootstrap()
    sso = _management(bootstrap.url, "sso-admin", region="eu-central-1")
    store = _management(bootstrap.url, "identitystore", region="eu-central-1")

    [instance] = aws.call(sso, "list_instances")["Instances"]
    assert (instance["InstanceArn"], instance["IdentityStoreId"]) == (
        state.instance_arn,
        state.identity_store_id,
    )
    assert sorted(state.permission_set_arns) == [
        "AdministratorAccess",
        "PowerUserAccess",
        "ReadOnlyAccess",
    ]
    for name, arn in state.permission_set_arns.items():
        found = {"InstanceArn": state.instance_arn, "PermissionSetArn": arn}
        described = aws.call(sso, "describe_permission_set", **found)["PermissionSet"]
        policies = aws.call(sso, "list_managed_policies_in_permission_set", **found)
        assert described["Name"] == name
        assert [policy["Arn"] for policy in policies["AttachedManagedPolicies"]] == [
            f"arn:aws:iam::aws:policy/{name}"
        ]
    assert sorted(state.users) == ["ada@sandbox.io", "grace@sandbox.io", "linus@sandbox.io"]
    for user_name, user_id in state.users.items():
        found = aws.call(
            store, "get_user_id", IdentityStoreId=state.identity_store_id,
            AlternateIdentifier={"UniqueAttribute": {"AttributePath": "userName",
                                                     "AttributeValue": user_name}},
        )  # fmt: skip
        assert found["UserId"] == user_id


# The Identity Center calls of the replication steps (issue 14), by IAM action.
IDENTITY_CENTER_ACTIONS = (
    "identitystore:GetGroupId", "identitystore:CreateGroup", "identitystore:UpdateGroup",
    "identitystore:ListGroupMemberships", "identitystore:CreateGroupMembership",
    "identitystore:DeleteGroupMembership", "identitystore:GetUserId",
    "identitystore:GetGroupMembershipId", "identitystore:ListGroups",
    "identitystore:DescribeGroup", "sso:ListInstances", "sso:DescribePermissionSet",
    "sso:CreateAccountAssignment", "sso:DeleteAccountAssignment", "sso:ListAccountAssignments",
    "sso:DescribeAccountAssignmentCreationStatus", "sso:DescribeAccountAssignmentDeletionStatus",
)  # fmt: skip


def test_the_management_roles_policy_allows_the_identity_center_calls(bootstrap):
    bootstrap()
    policy = aws.call(
        _management(bootstrap.url, "iam"), "get_role_policy",
        RoleName="MeshfedServiceRole", PolicyName="MeshfedServiceRolePolicy",
    )["PolicyDocument"]  # fmt: skip
    policy = json.loads(policy) if isinstance(policy, str) else policy

    allowed = {
        action
        for statement in policy["Statement"]
        if statement["Effect"] == "Allow"
        for action in as_list(statement["Action"])
    }
    assert set(IDENTITY_CENTER_ACTIONS) <= allowed


def test_it_changes_nothing_when_run_again(bootstrap):
    first = bootstrap()
    second = bootstrap()
    assert second == first
    org = _management(bootstrap.url, "organizations")
    assert len(list(aws.paginate(org, "list_accounts", "Accounts"))) == 3
    units = aws.call(org, "list_organizational_units_for_parent", ParentId=first.root_id)[
        "OrganizationalUnits"
    ]
    assert len(units) == 2  # the landing zone and the retired OU
    meshcloud_iam = _in_account(bootstrap.url, first.meshcloud_account_id, "iam")
    keys = aws.call(meshcloud_iam, "list_access_keys", UserName="meshfed-service")[
        "AccessKeyMetadata"
    ]
    assert [key["AccessKeyId"] for key in keys] == [first.access_key_id]
    sso = _management(bootstrap.url, "sso-admin", region="eu-central-1")
    sets = aws.call(sso, "list_permission_sets", InstanceArn=first.instance_arn)
    assert sorted(sets["PermissionSets"]) == sorted(first.permission_set_arns.values())
    store = _management(bootstrap.url, "identitystore", region="eu-central-1")
    users = aws.call(store, "list_users", IdentityStoreId=first.identity_store_id)["Users"]
    assert sorted(user["UserId"] for user in users) == sorted(first.users.values())


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
    assert state.instance_arn in page and state.identity_store_id in page
    assert "ada@sandbox.io, grace@sandbox.io, linus@sandbox.io" in page
    assert "sandbox.local, sandbox-sso.local" in page
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


@pytest.mark.django_db
def test_it_configures_a_second_platform_that_gives_access_by_identity_center(bootstrap):
    state = bootstrap()
    setup.configure_platform(state)

    applied = setup.configure_sso_platform(state)

    assert applied.created and applied.platform.full_identifier == "sandbox-sso.local"
    assert not setup.configure_sso_platform(state).changed
    record = record_of(applied.platform)
    assert record.identity_provider_name == ""
    assert record.identity_center == IdentityCenterRecord(
        instance_arn=state.instance_arn, identity_store_id=state.identity_store_id,
        region="eu-central-1", role_arn="", external_id="",
        group_name_pattern="mst-#{customerIdentifier}.#{projectIdentifier}-#{projectRoleIdentifier}",
        sign_in_url=f"https://{state.identity_store_id}.awsapps.com/start",
    )  # fmt: skip
    sets = state.permission_set_arns
    assert {
        mapping.project_role: mapping.permission_set_arns for mapping in record.role_mappings
    } == {
        "admin": (sets["AdministratorAccess"],),
        "user": (sets["PowerUserAccess"],),
        "reader": (sets["ReadOnlyAccess"],),
    }
    assert (
        record.account_email_template
        != record_of(setup.configure_platform(state).platform).account_email_template
    )


@pytest.mark.django_db
def test_the_identity_center_platform_gives_the_sample_users_access(sso_platform, sandbox_state):
    project = project_create(
        customer=customer_create(identifier="acme", actor=None), identifier="web", actor=None
    )
    admin = ProjectRole.objects.get(identifier="admin")
    binding_create(project=project, user="ada@sandbox.io", role=admin, actor=None)
    account = project_account_create(project=project, platform=sso_platform, actor=None)

    assert run_to_end(account.runs.get().pk)[0] == "succeeded"
    store = _management(sandbox_state.endpoint_url, "identitystore", region="eu-central-1")
    group_id = aws.call(
        store, "get_group_id", IdentityStoreId=sandbox_state.identity_store_id,
        AlternateIdentifier={"UniqueAttribute": {"AttributePath": "displayName",
                                                 "AttributeValue": "mst-acme.web-admin"}},
    )["GroupId"]  # fmt: skip
    members = aws.call(
        store, "list_group_memberships", IdentityStoreId=sandbox_state.identity_store_id,
        GroupId=group_id,
    )["GroupMemberships"]  # fmt: skip
    assert [member["MemberId"]["UserId"] for member in members] == [
        sandbox_state.users["ada@sandbox.io"]
    ]


def _parents(url, account_ids) -> dict[str, str]:
    org = _management(url, "organizations")
    return {
        account_id: aws.call(org, "list_parents", ChildId=account_id)["Parents"][0]["Id"]
        for account_id in account_ids
    }


def test_it_adds_three_accounts_outside_meshaws_once(bootstrap):
    state = bootstrap()
    made = unmanaged.ensure_unmanaged_accounts(state)

    assert sorted(made) == ["legacy-billing", "legacy-data", "legacy-web"]
    org = _management(bootstrap.url, "organizations")
    [legacy] = [
        unit for unit in aws.call(
            org, "list_organizational_units_for_parent", ParentId=state.root_id
        )["OrganizationalUnits"] if unit["Name"] == "legacy"
    ]  # fmt: skip
    [data] = aws.call(org, "list_organizational_units_for_parent", ParentId=legacy["Id"])[
        "OrganizationalUnits"
    ]
    assert data["Name"] == "data"
    assert _parents(bootstrap.url, made.values()) == {
        made["legacy-billing"]: state.root_id,
        made["legacy-web"]: legacy["Id"],
        made["legacy-data"]: data["Id"],
    }

    # Again, after the bootstrap again: nothing new; an account moved since stays where it is.
    aws.call(
        org, "move_account", AccountId=made["legacy-web"], SourceParentId=legacy["Id"],
        DestinationParentId=state.landing_zone_ou_id,
    )  # fmt: skip
    assert unmanaged.ensure_unmanaged_accounts(bootstrap()) == made
    assert len(list(aws.paginate(org, "list_accounts", "Accounts"))) == 6
    assert _parents(bootstrap.url, [made["legacy-web"]]) == {
        made["legacy-web"]: state.landing_zone_ou_id
    }
    units = aws.call(org, "list_organizational_units_for_parent", ParentId=state.root_id)
    assert len(units["OrganizationalUnits"]) == 3  # landing zone, retired, legacy


@pytest.mark.django_db
def test_a_newcomer_discovers_and_adopts_a_legacy_account(bootstrap):
    state = bootstrap()
    made = unmanaged.ensure_unmanaged_accounts(state)
    platform = setup.configure_platform(state).platform
    project = project_create(
        customer=customer_create(identifier="acme", actor=None), identifier="web", actor=None
    )

    discovery_run(platform=platform, actor=None)
    listed = set(UnmanagedAccount.objects.values_list("aws_account_id", flat=True))
    assert set(made.values()) <= listed
    [account] = accounts_adopt(
        platform=platform, adoptions=[Adoption(made["legacy-data"], "acme.web")], actor=None,
        source="page",
    )  # fmt: skip

    assert run_to_end(account.runs.get().pk)[0] == "succeeded"
    account.refresh_from_db()
    assert account.project == project and account.status == "ready"
    assert _parents(bootstrap.url, [made["legacy-data"]]) == {
        made["legacy-data"]: state.landing_zone_ou_id
    }
