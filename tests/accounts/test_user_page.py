"""A user's page for staff: their bindings, and every account and role those give them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Binding
from accounts.services import binding_create, project_account_create, project_create
from tests.helpers import ADMIN_SET, BILLING_SET, PORTAL, READER_SET

USER = "dev.ops+aws@example.com"


def account_of(project, platform, account_id):
    return project_account_create(
        project=project, platform=platform, aws_account_id=account_id, actor=None
    )


@pytest.fixture
def two_modes(acme, web, admin_role, reader_role, platform, sso):
    """USER: admin of acme.web on aws-prod.eu (SAML), reader of acme.shop on aws-sso.eu."""
    shop = project_create(customer=acme, identifier="shop", actor=None)
    accounts = {
        "saml": account_of(web, platform, "111111111111"),
        "identity_center": account_of(shop, sso, "333333333333"),
    }
    binding_create(project=web, user=USER, role=admin_role, actor=None)
    binding_create(project=shop, user=USER, role=reader_role, actor=None)
    return accounts


def _page(client, persona, user=USER):
    client.force_login(persona)
    return client.get(f"/users/{user}/")


@pytest.mark.parametrize(
    ("persona", "status"), [("alice", 200), ("bob", 200), ("charlie", 200), ("dave", 403)]
)
def test_it_shows_the_page_to_staff_who_may_view_bindings(
    request, client, two_modes, persona, status
):
    assert _page(client, request.getfixturevalue(persona)).status_code == status


def test_it_sends_anonymous_visitors_to_sign_in_and_back(client, charlie, two_modes):
    response = client.get(f"/users/{USER}/")
    assert response.status_code == 302 and "login/?next=" in response["Location"]
    client.force_login(charlie)
    assert client.get(response["Location"].split("next=")[1]).status_code == 200


def test_it_answers_404_for_a_user_no_binding_has(client, charlie, two_modes):
    assert _page(client, charlie, "nobody@example.com").status_code == 404
    assert _page(client, charlie, USER).status_code == 200


def test_it_answers_400_naming_a_user_id_no_binding_can_have(client, charlie, db):
    response = _page(client, charlie, "two%20words")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "'two words' is not a user id a binding can have" in response.content.decode()


def test_it_lists_every_binding(client, charlie, two_modes):
    page = _page(client, charlie).content.decode()
    assert 'data-testid="binding-acme.web"' in page and 'data-testid="binding-acme.shop"' in page
    assert 'href="/projects/acme/shop/"' in page


def test_it_shows_both_modes_on_two_platforms(client, charlie, two_modes):
    response = _page(client, charlie)
    assert [(e.platform, e.mode) for e in response.context["entitlements"]] == [
        ("aws-sso.eu", "identity_center"), ("aws-prod.eu", "saml"),
    ]  # fmt: skip
    page = response.content.decode()
    assert 'data-testid="access-aws-prod.eu-admin"' in page
    assert "arn:aws:iam::111111111111:role/meshProjectAdminRole" in page
    assert 'data-testid="access-aws-sso.eu-reader"' in page
    assert "<code>mst-acme.shop-reader</code>" in page and READER_SET in page
    assert f'href="{PORTAL}"' in page
    for account in two_modes.values():
        assert f'href="/accounts/{account.pk}/"' in page


def test_it_shows_an_expired_binding_giving_nothing(client, charlie, web, admin_role, sso):
    account_of(web, sso, "333333333333")
    binding = binding_create(
        project=web, user=USER, role=admin_role,
        expires_at=timezone.now() + timedelta(days=1), actor=None,
    )  # fmt: skip
    Binding.objects.filter(pk=binding.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = _page(client, charlie)
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="expired"' in page
    assert response.context["entitlements"] == []
    assert 'data-testid="no-access"' in page and ADMIN_SET not in page


def test_it_shows_all_permission_sets_of_the_group(client, charlie, web, admin_role, sso):
    account_of(web, sso, "333333333333")
    binding_create(project=web, user=USER, role=admin_role, actor=None)
    page = _page(client, charlie).content.decode()
    assert "<code>mst-acme.web-admin</code>" in page
    assert ADMIN_SET in page and BILLING_SET in page


def test_the_project_page_links_each_bound_user_to_their_page(client, charlie, two_modes):
    client.force_login(charlie)
    page = client.get("/projects/acme/web/").content.decode()
    assert f'href="/users/{USER}/"' in page


def test_it_links_a_user_id_with_a_slash(client, charlie, web, admin_role, platform):
    account_of(web, platform, "111111111111")
    binding_create(project=web, user="team/dev@example.com", role=admin_role, actor=None)
    client.force_login(charlie)
    project_page = client.get("/projects/acme/web/").content.decode()
    assert 'href="/users/team/dev@example.com/"' in project_page
    response = client.get("/users/team/dev@example.com/")
    assert response.status_code == 200 and len(response.context["entitlements"]) == 1
