"""Entitlements in IAM Identity Center mode: group and permission sets, the access portal."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Binding
from accounts.services import binding_create, project_account_create, project_create
from accounts.signin import entitlements_for, grants
from tests.helpers import (
    ADMIN_SET,
    BILLING_SET,
    PORTAL,
    READER_SET,
    api_for,
    identity_center_platform,
)

USER = "dev.ops+aws@example.com"


def account_of(project, platform, account_id, landing_zone=None):
    return project_account_create(
        project=project, platform=platform, aws_account_id=account_id,
        landing_zone=landing_zone, actor=None,
    )  # fmt: skip


def test_it_gives_the_group_and_its_permission_sets(web, admin_role, sso):
    account = account_of(web, sso, "333333333333")
    binding_create(project=web, user=USER, role=admin_role, actor=None)
    [entitlement] = entitlements_for(USER)
    assert entitlement.mode == "identity_center" and entitlement.account == account.pk
    assert entitlement.project == "acme.web" and entitlement.platform == "aws-sso.eu"
    assert entitlement.account_id == "333333333333" and entitlement.project_role == "admin"
    assert entitlement.group_name == "mst-acme.web-admin"
    assert entitlement.permission_set_arns == (ADMIN_SET, BILLING_SET)
    assert entitlement.role_name is entitlement.role_arn is entitlement.provider_arn is None


def test_it_links_the_aws_access_portal(web, admin_role, sso):
    account_of(web, sso, "333333333333")
    binding_create(project=web, user=USER, role=admin_role, actor=None)
    assert [e.sign_in_url for e in entitlements_for(USER)] == [PORTAL]


def test_it_gives_no_link_without_the_platforms_sign_in_url(
    web, admin_role, location, example_record
):
    platform = identity_center_platform(location, example_record, signInUrl=None)
    account_of(web, platform, "333333333333")
    binding_create(project=web, user=USER, role=admin_role, actor=None)
    assert [e.sign_in_url for e in entitlements_for(USER)] == [None]


def test_it_names_the_group_from_every_placeholder_of_the_pattern(
    web, admin_role, location, example_record
):
    pattern = "#{platform}-#{tenantPlatformNumber}-#{customerIdentifier}.#{projectIdentifier}:#{projectRoleIdentifier}"
    platform = identity_center_platform(location, example_record, groupNamePattern=pattern)
    account = account_of(web, platform, "333333333333")
    binding_create(project=web, user=USER, role=admin_role, actor=None)
    [entitlement] = entitlements_for(USER)
    assert entitlement.group_name == f"aws-sso-{account.tenant_platform_number}-acme.web:admin"


def test_it_uses_the_landing_zones_permission_sets_when_they_replace_the_platforms(
    web, admin_role, sso
):
    account_of(web, sso, "333333333333", landing_zone="sandbox")
    binding_create(project=web, user=USER, role=admin_role, actor=None)
    [entitlement] = entitlements_for(USER)
    assert entitlement.permission_set_arns == (READER_SET,)


def test_it_gives_nothing_for_a_project_role_without_permission_sets(web, sso):
    from accounts.models import ProjectRole

    account_of(web, sso, "333333333333")
    binding_create(project=web, user=USER, role=ProjectRole.objects.get(identifier="user"),
                   actor=None)  # fmt: skip
    assert entitlements_for(USER) == []


def test_it_excludes_expired_bindings_in_identity_center_mode(web, admin_role, sso):
    account_of(web, sso, "333333333333")
    binding = binding_create(
        project=web, user=USER, role=admin_role,
        expires_at=timezone.now() + timedelta(days=1), actor=None,
    )  # fmt: skip
    assert len(entitlements_for(USER)) == 1
    Binding.objects.filter(pk=binding.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert entitlements_for(USER) == []


def test_it_lists_every_mapped_role_of_an_account(web, sso):
    account = account_of(web, sso, "333333333333")
    assert [(g.project_role, g.group_name) for g in grants(account)] == [
        ("admin", "mst-acme.web-admin"), ("reader", "mst-acme.web-reader"),
    ]  # fmt: skip


@pytest.mark.parametrize("size", [4, 40])
def test_it_reads_both_modes_in_a_constant_number_of_queries(
    acme, admin_role, platform, sso, django_assert_max_num_queries, size
):
    for number in range(size):
        project = project_create(customer=acme, identifier=f"p{number}", actor=None)
        account_of(project, platform, f"{100000000000 + number}")
        account_of(project, sso, f"{200000000000 + number}")
        binding_create(project=project, user=USER, role=admin_role, actor=None)
    with django_assert_max_num_queries(4):
        entitlements = entitlements_for(USER)
    assert len(entitlements) == 2 * size
    assert {e.mode for e in entitlements} == {"saml", "identity_center"}


# --- the API -------------------------------------------------------------------------------------


@pytest.fixture
def two_modes(acme, web, admin_role, reader_role, platform, sso):
    """USER: admin of acme.web on aws-prod.eu (SAML), reader of acme.shop on aws-sso.eu."""
    shop = project_create(customer=acme, identifier="shop", actor=None)
    account_of(web, platform, "111111111111")
    account_of(shop, sso, "333333333333")
    binding_create(project=web, user=USER, role=admin_role, actor=None)
    binding_create(project=shop, user=USER, role=reader_role, actor=None)


def test_it_answers_both_modes_in_the_api(charlie, two_modes):
    response = api_for(charlie).get(f"/api/v1/entitlements/{USER}/")
    center, saml = response.json()["entitlements"]  # by project: acme.shop, acme.web
    assert saml["mode"] == "saml" and saml["project"] == "acme.web"
    assert saml["role_arn"] == "arn:aws:iam::111111111111:role/meshProjectAdminRole"
    assert center == {
        "mode": "identity_center",
        "project": "acme.shop",
        "platform": "aws-sso.eu",
        "account_id": "333333333333",
        "project_role": "reader",
        "role_arn": None,
        "provider_arn": None,
        "group_name": "mst-acme.shop-reader",
        "permission_set_arns": [READER_SET],
        "sign_in_url": PORTAL,
    }


@pytest.mark.parametrize(("mode", "projects"), [("saml", ["acme.web"]),
                                               ("identity_center", ["acme.shop"])])  # fmt: skip
def test_it_answers_one_mode_when_asked(charlie, two_modes, mode, projects):
    response = api_for(charlie).get(f"/api/v1/entitlements/{USER}/", {"mode": mode})
    assert [e["project"] for e in response.json()["entitlements"]] == projects


def test_the_schema_documents_the_mode_and_the_identity_center_fields(charlie, db):
    schema = api_for(charlie).get("/api/schema/", {"format": "json"}).json()
    fields = schema["components"]["schemas"]["Entitlement"]["properties"]
    mode = fields["mode"]["allOf"][0]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][mode]["enum"]) == {"saml", "identity_center"}
    assert fields["group_name"]["nullable"] and fields["permission_set_arns"]["nullable"]
    assert fields["role_arn"]["nullable"] and fields["provider_arn"]["nullable"]
    parameters = schema["paths"]["/api/v1/entitlements/{user}/"]["get"]["parameters"]
    assert "mode" in {parameter["name"] for parameter in parameters}
