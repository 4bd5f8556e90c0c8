"""The desired state of an account, computed from the database alone."""

import pytest

from accounts.services import project_account_create, project_create
from platforms.access import platform_access
from replication.desired import for_account, tag
from tests.helpers import ACCESS_KEY, PRIVILEGED_EXTERNAL_ID


@pytest.fixture
def account(acme, platform):
    project = project_create(
        customer=acme, identifier="web", tags={"cost center": "4 2", "bad!key": "x"}, actor=None
    )
    return project_account_create(project=project, platform=platform, actor=None)


def test_it_names_tags_and_places_the_account(account):
    desired = for_account(account)
    assert (desired.email, desired.name, desired.alias) == (
        "aws+acme.web@meshcloud.io",
        "acme.web",
        "meshcloud-acme-web",
    )
    assert (
        desired.target_ou == "ou-ab12-cdef3456"
        and desired.access_role == "MeshstackAccountAccessRole"
    )
    assert desired.tags == {
        "meshstack_customer": "acme",
        "meshstack_project": "web",
        "meshstack_platform": "aws-prod.eu",
        "meshstack_cost center": "4 2",
        "meshstack_bad_key": "x",
    }


def test_it_maps_roles_from_the_platform_or_the_landing_zone(account, platform):
    assert [r.name for r in for_account(account).roles] == [
        "meshProjectAdminRole",
        "meshProjectUserRole",
        "meshProjectReaderRole",
    ]
    zone = account.landing_zone
    zone.replaces_role_mappings = True
    zone.save()
    zone.role_mappings.create(project_role="admin", role_name="ZoneAdmin", policy_arns=[])
    assert [r.name for r in for_account(account).roles] == ["ZoneAdmin"]


def test_it_bootstraps_from_the_landing_zone(acme, platform):
    project = project_create(customer=acme, identifier="sbx", actor=None)
    account = project_account_create(
        project=project, platform=platform, landing_zone="sandbox", actor=None
    )
    stack = for_account(account).stack
    assert (
        stack.stack_set_name == "meshaws-aws-prod-sandbox"
        and stack.owned
        and stack.region == "eu-central-1"
    )


def test_the_trust_policy_names_the_saml_provider(account):
    trust = for_account(account).trust_policy("111122223333")
    statement = trust["Statement"][0]
    assert statement["Principal"] == {
        "Federated": "arn:aws:iam::111122223333:saml-provider/meshstack-idp"
    }
    assert statement["Action"] == "sts:AssumeRoleWithSAML"
    assert statement["Condition"] == {
        "StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}
    }


def test_tags_are_made_acceptable_to_aws():
    assert tag("a" * 300, 256) == "a" * 256
    assert tag("ünïcode & <tags>", 128) == "ünïcode _ _tags_"


def test_platform_access_decrypts_without_showing_keys(account):
    access = platform_access(account.platform)
    assert (
        access.service_user_access_key == ACCESS_KEY
        and access.privileged_external_id == PRIVILEGED_EXTERNAL_ID
    )
    assert ACCESS_KEY not in repr(access)
