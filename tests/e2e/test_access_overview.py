"""Support staff, in Chromium: from an account's access overview to a user's every account."""

import pytest
from playwright.sync_api import expect

from accounts.models import ProjectRole
from accounts.services import (
    binding_create,
    customer_create,
    project_account_create,
    project_create,
    staff_user_create,
)
from tests.helpers import PASSWORD, PORTAL, READER_SET, identity_center_platform

pytestmark = pytest.mark.browser
USER = "dev@example.com"


def test_support_follows_a_user_from_an_account_to_all_their_access(
    live_server, page, platform, example_record
):
    staff_user_create(username="bob", role="support", password=PASSWORD, actor=None)
    sso = identity_center_platform(platform.location, example_record)
    customer = customer_create(identifier="acme", actor=None)
    web = project_create(customer=customer, identifier="web", actor=None)
    shop = project_create(customer=customer, identifier="shop", actor=None)
    project_account_create(project=web, platform=platform, aws_account_id="111111111111",
                           actor=None)  # fmt: skip
    shop_account = project_account_create(
        project=shop, platform=sso, aws_account_id="333333333333", actor=None
    )
    roles = {role.identifier: role for role in ProjectRole.objects.all()}
    binding_create(project=web, user=USER, role=roles["admin"], actor=None)
    binding_create(project=shop, user=USER, role=roles["reader"], actor=None)

    base = live_server.url
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/accounts/{shop_account.pk}/")
    access = page.get_by_role("region", name="Access")
    row = access.get_by_role("row").filter(has_text=USER)
    expect(row).to_contain_text("mst-acme.shop-reader")
    expect(row).to_contain_text(READER_SET)
    expect(row.get_by_role("link", name="AWS access portal")).to_have_attribute("href", PORTAL)

    row.get_by_role("link", name=USER).click()
    page.wait_for_url(f"{base}/users/{USER}/")
    expect(page.get_by_role("heading", name=USER)).to_be_visible()
    table = page.get_by_test_id("user-access")
    expect(table.get_by_test_id("access-aws-prod.eu-admin")).to_contain_text("meshProjectAdminRole")
    expect(table.get_by_test_id("access-aws-sso.eu-reader")).to_contain_text("IAM Identity Center")
