"""An operator configures a platform in Chromium; support staff only look."""

import pytest

from accounts.roles import SUPPORT
from accounts.services import staff_user_create
from platforms.models import Location, PlatformInstance
from platforms.secrets import fingerprint
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def fill_required(page):
    """Fill the new-platform form's required fields with valid values."""
    page.locator("#id_location").select_option("eu")
    page.locator("#id_identifier").fill("aws-dev")
    page.locator("#id_region").fill("eu-central-1")
    page.locator("#id_access_key").fill("AKIABROWSEREXAMPLE01")
    page.locator("#id_secret_key").fill("browser-secret-key-value-01")
    page.locator("#id_organization_root_account_role").fill(
        "arn:aws:iam::123456789012:role/MeshfedServiceRole"
    )
    page.locator("#id_automation_account_role").fill(
        "arn:aws:iam::210987654321:role/MeshfedAutomationRole"
    )
    page.locator("#id_account_email_template").fill("aws+%s@example.com")


def test_an_operator_creates_a_platform_through_the_form(live_server, page, alice):
    Location.objects.create(identifier="eu", display_name="Europe")
    base = live_server.url
    sign_in(page, base, "alice")
    page.goto(f"{base}/platforms/")
    page.get_by_test_id("new-platform").click()

    fill_required(page)
    # The live preview renders the worst case while the operator types.
    page.locator("#id_account_alias_pattern").fill("acme!<customer>-<project>")
    page.get_by_test_id("preview-alias").get_by_text("!").first.wait_for()

    page.locator("#id_rm-0-project_role").fill("admin")
    page.locator("#id_rm-0-role_name").fill("ProjectAdmin")
    page.locator("#id_rm-0-policy_arns").fill("arn:aws:iam::aws:policy/AdministratorAccess")
    page.locator("#id_rm-1-project_role").fill("reader")
    page.locator("#id_rm-1-role_name").fill("ProjectReader")
    page.locator("#id_lz-0-identifier").fill("default")
    page.locator("#id_lz-0-display_name").fill("Default")
    page.locator("#id_lz-0-target_organizational_unit").fill("ou-ab12-cdef3456")
    page.get_by_test_id("save").click()

    error = page.get_by_test_id("error-account_alias_pattern")
    error.wait_for()
    assert "!" in error.inner_text()
    assert not PlatformInstance.objects.exists()

    # The secrets typed are kept, sealed and never shown: the operator fixes the alias, saves.
    assert page.locator("#id_access_key").input_value() == ""
    assert "sealed" in page.locator("#id_secret_key").get_attribute("placeholder")
    assert "browser-secret-key-value-01" not in page.content()
    page.locator("#id_account_alias_pattern").fill("acme-<customer>-<project>")
    page.get_by_test_id("save").click()
    page.wait_for_url(f"{base}/platforms/eu/aws-dev/")

    assert page.get_by_role("heading", name="aws-dev.eu").is_visible()
    assert page.get_by_test_id("alias-example").inner_text() == "acme-acme-web-shop"
    assert page.get_by_test_id("role-mapping-admin").is_visible()
    assert page.get_by_test_id("role-mapping-reader").is_visible()
    assert page.get_by_test_id("landing-zone-default").is_visible()
    platform = PlatformInstance.objects.get()
    assert platform.role_mappings.count() == 2
    assert platform.secret_key_fingerprint == fingerprint("browser-secret-key-value-01")


def test_support_sees_no_edit_controls_and_is_refused_the_edit_page(live_server, page, platform):
    staff_user_create(username="bob", role=SUPPORT, password=PASSWORD, actor=None)
    base = live_server.url
    sign_in(page, base, "bob")
    page.goto(f"{base}/platforms/eu/aws-prod/")
    assert page.get_by_role("heading", name="aws-prod.eu").is_visible()
    assert page.get_by_test_id("edit").count() == 0
    assert page.get_by_test_id("delete").count() == 0
    response = page.goto(f"{base}/platforms/eu/aws-prod/edit/")
    assert response.status == 403
