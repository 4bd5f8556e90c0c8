"""Sign-in for project users: entitlements for the identity provider, console sign-in links."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Binding, ProjectAccount
from accounts.services import (
    binding_create,
    project_account_create,
    project_create,
)
from accounts.signin import entitlements_for, sign_in_links
from platforms.config_io import parse_record
from platforms.services import platform_apply
from tests.helpers import api_for

USER = "dev.ops+aws@example.com"
TEMPLATE = "https://idp.example.com/aws?role={role_arn}&provider={provider_arn}"
SANDBOX_MAPPINGS = [
    {"mapKey": "admin", "mapValue": {"roleName": "SandboxAdmin", "policyArn": None}},
    {"mapKey": "reader", "mapValue": {"roleName": "SandboxReader", "policyArn": None}},
]


@pytest.fixture
def signin_platform(location, example_record):
    """aws-prod.eu with a sign-in URL template; its sandbox zone has role mappings of its own."""
    example_record["consoleSignInUrlTemplate"] = TEMPLATE
    example_record["landingZones"][1]["roleMappings"] = SANDBOX_MAPPINGS
    record = parse_record(example_record)
    return platform_apply(location=location, record=record, actor=None).platform


@pytest.fixture
def idp_less_platform(location, example_record):
    """aws-dev.eu: no SAML identity provider, so no one can sign in through one."""
    example_record.update(
        platform="aws-dev",
        identityProvider=None,
        consoleSignInUrlTemplate=None,
        accountAliasPattern=None,
        meshProvisioning={"accountEmailTemplate": "dev+%s@meshcloud.io"},
    )
    return platform_apply(
        location=location, record=parse_record(example_record), actor=None
    ).platform


def account_of(project, platform, account_id, landing_zone=None):
    return project_account_create(
        project=project, platform=platform, aws_account_id=account_id,
        landing_zone=landing_zone, actor=None,
    )  # fmt: skip


def role_arn(account_id, name):
    return f"arn:aws:iam::{account_id}:role/{name}"


# --- entitlements_for ---------------------------------------------------------------------------


def test_it_lists_the_role_and_provider_arn_a_binding_grants(web, admin_role, signin_platform):
    account_of(web, signin_platform, "111111111111")
    binding_create(project=web, user=USER, role=admin_role, actor=None)
    [entitlement] = entitlements_for(USER)
    assert entitlement.mode == "saml"
    assert entitlement.project == "acme.web" and entitlement.platform == "aws-prod.eu"
    assert entitlement.account_id == "111111111111" and entitlement.project_role == "admin"
    assert entitlement.role_name == "meshProjectAdminRole"
    assert entitlement.role_arn == role_arn("111111111111", "meshProjectAdminRole")
    assert entitlement.provider_arn == "arn:aws:iam::111111111111:saml-provider/meshstack-idp"


def test_it_grants_only_the_bound_project_role(web, reader_role, signin_platform):
    account_of(web, signin_platform, "111111111111")
    binding_create(project=web, user=USER, role=reader_role, actor=None)
    assert [e.role_name for e in entitlements_for(USER)] == ["meshProjectReaderRole"]


def test_it_excludes_expired_bindings(web, admin_role, signin_platform):
    account_of(web, signin_platform, "111111111111")
    tomorrow = timezone.now() + timedelta(days=1)
    binding = binding_create(
        project=web, user=USER, role=admin_role, expires_at=tomorrow, actor=None
    )
    assert len(entitlements_for(USER)) == 1
    Binding.objects.filter(pk=binding.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert entitlements_for(USER) == []


def test_it_excludes_accounts_without_an_aws_account_id(web, admin_role, signin_platform):
    account_of(web, signin_platform, None)
    binding_create(project=web, user=USER, role=admin_role, actor=None)
    assert entitlements_for(USER) == []


def test_it_excludes_deleted_accounts(web, admin_role, signin_platform):
    account = account_of(web, signin_platform, "111111111111")
    binding_create(project=web, user=USER, role=admin_role, actor=None)
    ProjectAccount.objects.filter(pk=account.pk).update(deleted_at=timezone.now())
    assert entitlements_for(USER) == []


def test_it_excludes_platforms_without_an_identity_provider(
    web, admin_role, signin_platform, idp_less_platform
):
    account_of(web, idp_less_platform, "222222222222")
    binding_create(project=web, user=USER, role=admin_role, actor=None)
    assert entitlements_for(USER) == []
    account_of(web, signin_platform, "111111111111")
    assert [e.platform for e in entitlements_for(USER)] == ["aws-prod.eu"]


def test_it_uses_the_landing_zones_role_mappings_when_they_replace_the_platforms(
    web, admin_role, signin_platform
):
    account_of(web, signin_platform, "111111111111", landing_zone="sandbox")
    binding_create(project=web, user=USER, role=admin_role, actor=None)
    [entitlement] = entitlements_for(USER)
    assert entitlement.role_arn == role_arn("111111111111", "SandboxAdmin")


def test_it_lists_nothing_for_another_user(web, admin_role, signin_platform):
    account_of(web, signin_platform, "111111111111")
    binding_create(project=web, user=USER, role=admin_role, actor=None)
    assert entitlements_for("someone.else@example.com") == []


def test_it_builds_the_sign_in_url_from_the_platform_template(web, admin_role, signin_platform):
    account_of(web, signin_platform, "111111111111")
    binding_create(project=web, user=USER, role=admin_role, actor=None)
    [entitlement] = entitlements_for(USER)
    assert entitlement.sign_in_url == (
        "https://idp.example.com/aws?role=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2F"
        "meshProjectAdminRole&provider=arn%3Aaws%3Aiam%3A%3A111111111111%3Asaml-provider%2F"
        "meshstack-idp"
    )


def test_it_gives_no_sign_in_url_without_a_template(web, admin_role, platform):
    account_of(web, platform, "111111111111")
    binding_create(project=web, user=USER, role=admin_role, actor=None)
    [entitlement] = entitlements_for(USER)
    assert entitlement.sign_in_url is None


@pytest.mark.parametrize("size", [5, 50])
def test_it_reads_entitlements_in_a_constant_number_of_queries(
    acme, admin_role, signin_platform, django_assert_max_num_queries, size
):
    for number in range(size):
        project = project_create(customer=acme, identifier=f"p{number}", actor=None)
        zone = "sandbox" if number % 2 else "default"
        account_of(project, signin_platform, f"{100000000000 + number}", landing_zone=zone)
        binding_create(project=project, user=USER, role=admin_role, actor=None)
    with django_assert_max_num_queries(4):
        entitlements = entitlements_for(USER)
    assert len(entitlements) == size
    assert {e.role_name for e in entitlements} == {"meshProjectAdminRole", "SandboxAdmin"}


# --- sign_in_links ------------------------------------------------------------------------------


def test_it_links_every_role_of_the_account(web, signin_platform):
    account = account_of(web, signin_platform, "111111111111")
    links = sign_in_links(account)
    assert [name for name, _ in links] == [
        "meshProjectAdminRole", "meshProjectUserRole", "meshProjectReaderRole",
    ]  # fmt: skip
    assert links[0][1].startswith("https://idp.example.com/aws?role=arn%3Aaws%3Aiam%3A%3A1111")


def test_it_links_the_landing_zones_roles_when_they_replace_the_platforms(web, signin_platform):
    account = account_of(web, signin_platform, "111111111111", landing_zone="sandbox")
    assert [name for name, _ in sign_in_links(account)] == ["SandboxAdmin", "SandboxReader"]


def test_it_links_nothing_before_the_account_has_an_id(web, signin_platform):
    assert sign_in_links(account_of(web, signin_platform, None)) == []


def test_it_links_nothing_without_a_template(web, platform):
    assert sign_in_links(account_of(web, platform, "111111111111")) == []


# --- GET /api/v1/entitlements/{user}/ ---------------------------------------------------------


@pytest.fixture
def bound(web, admin_role, signin_platform):
    account_of(web, signin_platform, "111111111111")
    return binding_create(project=web, user=USER, role=admin_role, actor=None)


@pytest.mark.parametrize(
    ("persona", "status"), [("alice", 200), ("bob", 200), ("charlie", 200), ("dave", 403)]
)
def test_it_answers_the_entitlements_api_by_role(request, bound, persona, status):
    response = api_for(request.getfixturevalue(persona)).get(f"/api/v1/entitlements/{USER}/")
    assert response.status_code == status


def test_it_answers_401_to_the_entitlements_api_without_a_token(bound):
    response = APIClient().get(f"/api/v1/entitlements/{USER}/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def test_it_lists_the_arn_pairs_for_the_identity_provider(charlie, bound):
    response = api_for(charlie).get(f"/api/v1/entitlements/{USER}/")
    assert response.json() == {
        "user": USER,
        "entitlements": [
            {
                "mode": "saml",
                "project": "acme.web",
                "platform": "aws-prod.eu",
                "account_id": "111111111111",
                "project_role": "admin",
                "role_arn": "arn:aws:iam::111111111111:role/meshProjectAdminRole",
                "provider_arn": "arn:aws:iam::111111111111:saml-provider/meshstack-idp",
                "group_name": None,
                "permission_set_arns": None,
                "sign_in_url": entitlements_for(USER)[0].sign_in_url,
            }
        ],
    }


def test_it_keeps_the_saml_answer_for_an_identity_provider_that_asks_for_saml(charlie, bound):
    every = api_for(charlie).get(f"/api/v1/entitlements/{USER}/").json()
    saml = api_for(charlie).get(f"/api/v1/entitlements/{USER}/", {"mode": "saml"}).json()
    assert saml == every and [e["mode"] for e in saml["entitlements"]] == ["saml"]


def test_it_lists_no_saml_entitlement_for_identity_center_only(charlie, bound):
    response = api_for(charlie).get(f"/api/v1/entitlements/{USER}/", {"mode": "identity_center"})
    assert response.status_code == 200 and response.json()["entitlements"] == []


def test_it_answers_400_naming_the_mode_it_does_not_know(charlie, bound):
    response = api_for(charlie).get(f"/api/v1/entitlements/{USER}/", {"mode": "oidc"})
    assert response.status_code == 400
    assert response.json() == {"mode": ["must be one of saml, identity_center"]}


def test_it_answers_an_empty_list_for_an_unknown_user(charlie, bound):
    response = api_for(charlie).get("/api/v1/entitlements/nobody@example.com/")
    assert response.status_code == 200
    assert response.json() == {"user": "nobody@example.com", "entitlements": []}


def test_it_leaves_expired_bindings_out_of_the_api(charlie, bound):
    Binding.objects.filter(pk=bound.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = api_for(charlie).get(f"/api/v1/entitlements/{USER}/")
    assert response.json()["entitlements"] == []


@pytest.mark.parametrize("user", ["two%20words", "nul%00byte", "x" * 255])
def test_it_answers_400_to_a_user_id_no_binding_can_have(charlie, db, user):
    response = api_for(charlie).get(f"/api/v1/entitlements/{user}/")
    assert response.status_code == 400 and "user" in response.json()
