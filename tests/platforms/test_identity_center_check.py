"""The connection check in Identity Center mode, against the sandbox emulator."""

import pytest

import aws
from platforms.config_io import parse_record
from platforms.connection import (
    ASSUME_IDENTITY_CENTER,
    ASSUME_MANAGEMENT,
    IDENTITY_STORE,
    INSTANCE,
    check_platform,
    permission_set_check,
)
from platforms.connection.identity_center import mapped_permission_sets
from platforms.models import LandingZone, PlatformInstance, RoleMapping
from platforms.services import location_create, platform_apply
from tests.helpers import allows, copy_of_the_management_role, guide_policies, sandbox_record

pytestmark = pytest.mark.sandbox

PATTERN = "mst-#{customerIdentifier}.#{projectIdentifier}-#{projectRoleIdentifier}"
OTHER_INSTANCE = "arn:aws:sso:::instance/ssoins-ffffffffffffffff"
IAM_PREFIXES = {"sso-admin": "sso", "identitystore": "identitystore", "sts": "sts"}


def by_name(checks):
    return {check.name: check for check in checks}


def center_record(state, **center) -> dict:
    """The sandbox's record in Identity Center mode, its zone `bootstrapped` with its own sets."""
    sets = state.permission_set_arns
    record = sandbox_record(
        state, identityProvider=None,
        identityCenter={
            "instanceArn": state.instance_arn, "identityStoreId": state.identity_store_id,
            "region": "eu-central-1", "groupNamePattern": PATTERN, **center,
        },
        roleMappings=[
            {"mapKey": "admin", "mapValue": {"permissionSetArns": [sets["AdministratorAccess"]]}},
            {"mapKey": "reader", "mapValue": {"permissionSetArns": [sets["ReadOnlyAccess"]]}},
        ],
    )  # fmt: skip
    record["landingZones"][1]["roleMappings"] = [
        {"mapKey": "admin", "mapValue": {"permissionSetArns": [sets["PowerUserAccess"]]}}
    ]
    return record


@pytest.fixture
def center_platform(db, sandbox_state):
    """Platform aws.local on the bootstrapped emulator, in Identity Center mode."""
    local = location_create(identifier="local", display_name="Sandbox", actor=None)
    record = parse_record(center_record(sandbox_state))
    return platform_apply(location=local, record=record, actor=None).platform


def test_it_passes_with_the_instance_its_store_and_every_mapped_permission_set(
    center_platform, sandbox_state
):
    checks = check_platform(center_platform)
    assert [check for check in checks if not check.passed] == []
    sets = sandbox_state.permission_set_arns
    names = [check.name for check in checks]
    assert names[-5:] == [
        INSTANCE, IDENTITY_STORE, permission_set_check(sets["AdministratorAccess"]),
        permission_set_check(sets["ReadOnlyAccess"]), permission_set_check(sets["PowerUserAccess"]),
    ]  # fmt: skip
    assert ASSUME_IDENTITY_CENTER not in names
    assert by_name(checks)[permission_set_check(sets["ReadOnlyAccess"])].detail == (
        "exists (ReadOnlyAccess)"
    )


def test_it_fails_an_instance_the_role_does_not_see_and_skips_the_rest(center_platform):
    PlatformInstance.objects.update(identity_center_instance_arn=OTHER_INSTANCE)
    checks = by_name(check_platform(PlatformInstance.objects.get()))
    assert not checks[INSTANCE].passed
    assert f"{OTHER_INSTANCE} is not among the instances the management role sees" in (
        checks[INSTANCE].detail
    )
    assert checks[IDENTITY_STORE].detail == f"skipped: needs {INSTANCE}"


def test_it_fails_an_instance_of_another_region(center_platform):
    PlatformInstance.objects.update(identity_center_region="eu-west-1")
    check = by_name(check_platform(PlatformInstance.objects.get()))[INSTANCE]
    assert not check.passed and "in eu-west-1" in check.detail


def test_it_fails_an_identity_store_that_is_not_the_instances(center_platform, sandbox_state):
    PlatformInstance.objects.update(identity_center_identity_store_id="d-0000000000")
    check = by_name(check_platform(PlatformInstance.objects.get()))[IDENTITY_STORE]
    assert not check.passed
    assert (
        check.detail
        == f"the instance's identity store is {sandbox_state.identity_store_id}, not d-0000000000"
    )
    assert check.fix == f"set identityCenter.identityStoreId to {sandbox_state.identity_store_id}"


def test_it_fails_a_permission_set_the_instance_lacks(center_platform, sandbox_state):
    instance_id = sandbox_state.instance_arn.rsplit("/", 1)[1]
    missing = f"arn:aws:sso:::permissionSet/{instance_id}/ps-0000000000000000"
    center_platform.role_mappings.filter(project_role="reader").update(
        permission_set_arns=[missing]
    )
    checks = by_name(check_platform(center_platform))
    check = checks[permission_set_check(missing)]
    assert not check.passed and check.aws_error_code == "ResourceNotFoundException"
    assert check.fix == "create the permission set in the instance, or fix the role mappings"
    assert checks[
        permission_set_check(sandbox_state.permission_set_arns["AdministratorAccess"])
    ].passed


def test_it_assumes_the_delegated_administrators_role_with_its_external_id(
    center_platform, sandbox_state
):
    role = copy_of_the_management_role(sandbox_state, "MeshawsIdentityCenterRole")
    PlatformInstance.objects.update(
        identity_center_role_arn=role,
        identity_center_external_id=sandbox_state.management_external_id,
    )
    checks = by_name(check_platform(PlatformInstance.objects.get()))
    assert checks[ASSUME_IDENTITY_CENTER].passed, checks[ASSUME_IDENTITY_CENTER]
    assert checks[INSTANCE].passed and checks[IDENTITY_STORE].passed

    PlatformInstance.objects.update(identity_center_external_id="not-the-external-id")
    checks = by_name(check_platform(PlatformInstance.objects.get()))
    assert not checks[ASSUME_IDENTITY_CENTER].passed
    assert "trust policy" in checks[ASSUME_IDENTITY_CENTER].fix
    assert checks[INSTANCE].detail == f"skipped: needs {ASSUME_IDENTITY_CENTER}"


def test_it_skips_identity_center_without_the_management_role(center_platform):
    PlatformInstance.objects.update(organization_root_account_external_id="not-the-external-id")
    checks = by_name(check_platform(PlatformInstance.objects.get()))
    assert not checks[ASSUME_MANAGEMENT].passed
    assert checks[INSTANCE].detail == f"skipped: needs {ASSUME_MANAGEMENT}"
    assert checks[IDENTITY_STORE].detail == f"skipped: needs {ASSUME_MANAGEMENT}"


def test_the_aws_setup_guide_allows_every_identity_center_call_of_the_check(center_platform):
    with aws.capturing() as calls:
        assert all(check.passed for check in check_platform(center_platform))
    actions = {
        f"{IAM_PREFIXES[call.service]}:{call.operation}"
        for call in calls
        if call.service in ("sso-admin", "identitystore")
    }
    assert actions == {
        "sso:ListInstances", "identitystore:ListGroups", "sso:DescribePermissionSet",
    }  # fmt: skip
    policy = guide_policies()["identity-center"]
    assert sorted(action for action in actions if not allows(policy, action)) == []


@pytest.mark.parametrize(
    ("operation", "action"),
    [("list_instances", "sso:ListInstances"), ("list_groups", "identitystore:ListGroups")],
)
def test_a_refused_identity_center_call_gets_the_catalogues_advice(
    center_platform, monkeypatch, operation, action
):
    original = aws.call

    def refusing(client, name, **params):
        if name == operation:
            raise aws.AwsError(name.title().replace("_", ""), "AccessDeniedException", "no", False)
        return original(client, name, **params)

    monkeypatch.setattr(aws, "call", refusing)
    monkeypatch.setattr(aws, "paginate", _paginate_through(refusing))
    failed = [check for check in check_platform(center_platform) if not check.passed]
    assert failed and failed[0].aws_error_code == "AccessDeniedException"
    assert failed[0].fix == (
        f"allow the management role {action} (see the AWS setup guide, section 7)"
    )


def _paginate_through(call):
    """aws.paginate's first page through `call` (enough for the check's short lists)."""

    def paginate(client, name, key, **params):
        return iter(call(client, name, **params).get(key, []))

    return paginate


def test_it_reads_the_mapped_permission_sets_in_three_queries_however_many_zones(
    center_platform, sandbox_state, django_assert_num_queries
):
    sets = sandbox_state.permission_set_arns
    for position, name in enumerate(("ReadOnlyAccess", "AdministratorAccess"), start=10):
        zone = LandingZone.objects.create(
            platform=center_platform, identifier=f"extra{position}", display_name="extra",
            target_organizational_unit=sandbox_state.root_id, replaces_role_mappings=True,
            position=position,
        )  # fmt: skip
        RoleMapping.objects.create(
            landing_zone=zone, project_role="admin", permission_set_arns=[sets[name]]
        )
    platform = PlatformInstance.objects.get(pk=center_platform.pk)

    with django_assert_num_queries(3):
        arns = mapped_permission_sets(platform)

    assert arns == [
        sets["AdministratorAccess"], sets["ReadOnlyAccess"], sets["PowerUserAccess"]
    ]  # fmt: skip
