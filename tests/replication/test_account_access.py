"""The account page's access overview: who has which access, in SAML and Identity Center mode."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Binding, ProjectAccount, ProjectRole
from accounts.services import binding_create, project_account_create
from platforms.models import PlatformInstance
from tests.helpers import ADMIN_SET, BILLING_SET, PORTAL, READER_SET

DEV, OPS = "dev@example.com", "ops@example.com"


def account_of(project, platform, account_id="111111111111", landing_zone=None):
    return project_account_create(
        project=project, platform=platform, aws_account_id=account_id,
        landing_zone=landing_zone, actor=None,
    )  # fmt: skip


def _access(client, persona, account):
    client.force_login(persona)
    response = client.get(f"/accounts/{account.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    start = page.index('data-testid="access-section"')
    return page[start : page.index("</section>", start)]


@pytest.fixture
def bound(web, admin_role, reader_role):
    """DEV is admin of acme.web, OPS its reader."""
    binding_create(project=web, user=DEV, role=admin_role, actor=None)
    binding_create(project=web, user=OPS, role=reader_role, actor=None)


def test_it_lists_who_may_assume_which_iam_role(client, charlie, web, platform, bound):
    PlatformInstance.objects.filter(pk=platform.pk).update(
        console_sign_in_url_template="https://idp.example.com/aws?account={account_id}&role={role_name}"
    )
    section = _access(client, charlie, account_of(web, platform))
    assert 'data-testid="access"' in section and "SAML identity provider" in section
    assert f'data-testid="access-{DEV}"' in section and f'data-testid="access-{OPS}"' in section
    assert "<code>meshProjectAdminRole</code>" in section
    assert "arn:aws:iam::111111111111:role/meshProjectReaderRole" in section
    assert (
        "https://idp.example.com/aws?account=111111111111&amp;role=meshProjectAdminRole" in section
    )


def test_it_lists_who_is_in_which_group_with_which_permission_sets(
    client, charlie, web, sso, bound
):
    section = _access(client, charlie, account_of(web, sso))
    assert "IAM Identity Center" in section
    assert (
        "<code>mst-acme.web-admin</code>" in section
        and "<code>mst-acme.web-reader</code>" in section
    )
    assert ADMIN_SET in section and BILLING_SET in section and READER_SET in section
    assert f'href="{PORTAL}"' in section and "AWS access portal" in section
    assert "IAM role" not in section


def test_it_shows_the_groups_as_the_accounts_mapped_roles(client, charlie, web, sso):
    client.force_login(charlie)
    page = client.get(f"/accounts/{account_of(web, sso).pk}/").content.decode()
    roles = page[
        page.index('data-testid="roles"') : page.index(
            "</table>", page.index('data-testid="roles"')
        )
    ]
    assert "<code>mst-acme.web-admin</code>" in roles and ADMIN_SET in roles


def test_it_says_there_is_no_single_sign_on(client, charlie, web, location, example_record, bound):
    from platforms.config_io import parse_record
    from platforms.services import platform_apply

    example_record.update(
        platform="aws-dev", identityProvider=None, consoleSignInUrlTemplate=None,
        accountAliasPattern=None, meshProvisioning={"accountEmailTemplate": "dev+%s@meshcloud.io"},
    )  # fmt: skip
    platform = platform_apply(
        location=location, record=parse_record(example_record), actor=None
    ).platform
    section = _access(client, charlie, account_of(web, platform))
    assert 'data-testid="no-sso"' in section and "no single sign-on" in section
    assert DEV not in section


def test_it_leaves_expired_bindings_out(client, charlie, web, sso, bound):
    Binding.objects.filter(user=OPS).update(expires_at=timezone.now() - timedelta(seconds=1))
    section = _access(client, charlie, account_of(web, sso))
    assert f'data-testid="access-{DEV}"' in section and OPS not in section
    assert READER_SET not in section


def test_it_says_so_when_nobody_is_bound(client, charlie, web, sso):
    section = _access(client, charlie, account_of(web, sso))
    assert 'data-testid="no-access"' in section


def test_it_shows_a_binding_whose_role_is_not_mapped(client, charlie, web, sso):
    user_role = ProjectRole.objects.get(identifier="user")
    binding_create(project=web, user=DEV, role=user_role, actor=None)
    section = _access(client, charlie, account_of(web, sso))
    assert f'data-testid="access-{DEV}"' in section and 'data-testid="unmapped"' in section


def test_it_gives_nobody_access_to_a_deleted_account(client, charlie, web, sso, bound):
    account = account_of(web, sso)
    ProjectAccount.objects.filter(pk=account.pk).update(deleted_at=timezone.now())
    section = _access(client, charlie, account)
    assert 'data-testid="no-access"' in section and DEV not in section


def test_it_links_each_user_to_their_page(client, bob, web, sso, bound):
    section = _access(client, bob, account_of(web, sso))
    assert f'href="/users/{DEV}/"' in section and f'href="/users/{OPS}/"' in section


def test_it_notes_an_account_not_created_yet(client, charlie, web, platform, bound):
    section = _access(client, charlie, account_of(web, platform, account_id=None))
    assert 'data-testid="not-created"' in section and "<code>meshProjectAdminRole</code>" in section


@pytest.mark.parametrize("count", [2, 40])
def test_it_reads_the_access_in_a_constant_number_of_queries(
    client, charlie, web, sso, admin_role, django_assert_max_num_queries, count
):
    account = account_of(web, sso)
    Binding.objects.bulk_create(
        Binding(project=web, user=f"user{n}@example.com", role=admin_role) for n in range(count)
    )
    client.force_login(charlie)
    client.get(f"/accounts/{account.pk}/")  # caches the session and permissions alike
    with django_assert_max_num_queries(16):
        response = client.get(f"/accounts/{account.pk}/")
    assert len(response.context["access"].people) == count
