"""The platform form in Chromium: rows added in the page, each preview under its field, the
fields of the chosen modes, and an edit whose connection check fails."""

import pytest

from platforms.models import Location, PlatformInstance
from tests.e2e.test_platform_form import fill_required, sign_in

pytestmark = pytest.mark.browser

WRONG_EXTERNAL_ID = "not-the-external-id-0000"


@pytest.fixture
def new_platform_page(live_server, page, alice):
    Location.objects.create(identifier="eu", display_name="Europe")
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/platforms/new/")
    return page


def test_rows_are_added_and_removed_in_the_page(live_server, new_platform_page):
    page = new_platform_page
    fill_required(page)
    # A reload would lose this mark.
    page.evaluate("window.stillTheSamePage = true")
    assert page.locator("#id_rm-2-project_role").count() == 0

    page.get_by_test_id("add-role-mapping").click()
    page.get_by_test_id("add-role-mapping").click()
    page.locator("#id_rm-0-project_role").fill("admin")
    page.locator("#id_rm-0-role_name").fill("ProjectAdmin")
    page.locator("#id_rm-1-project_role").fill("dropped")
    page.locator("#id_rm-1-role_name").fill("DroppedRole")
    page.locator("#id_rm-3-project_role").fill("auditor")
    page.locator("#id_rm-3-role_name").fill("ProjectAuditor")
    page.get_by_test_id("remove-role-mapping-1").click()
    assert page.locator("#id_rm-1-project_role").count() == 0
    page.get_by_test_id("add-landing-zone").click()
    for index, (identifier, ou) in enumerate((("default", "ou-ab12-cdef3456"),
                                              ("sandbox", "ou-ab12-00000000"))):  # fmt: skip
        page.locator(f"#id_lz-{index}-identifier").fill(identifier)
        page.locator(f"#id_lz-{index}-display_name").fill(identifier.title())
        page.locator(f"#id_lz-{index}-target_organizational_unit").fill(ou)
    assert page.evaluate("window.stillTheSamePage") is True

    page.get_by_test_id("save").click()
    page.wait_for_url(f"{live_server.url}/platforms/eu/aws-dev/")
    platform = PlatformInstance.objects.get()
    assert [m.project_role for m in platform.role_mappings.order_by("position")] == [
        "admin", "auditor",
    ]  # fmt: skip
    assert sorted(zone.identifier for zone in platform.landing_zones.all()) == [
        "default", "sandbox",
    ]  # fmt: skip


def test_removing_a_stored_row_deletes_it_on_save(live_server, page, alice, platform):
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/platforms/eu/aws-prod/edit/")
    stored = platform.role_mappings.count()
    page.get_by_test_id("remove-role-mapping-0").click()
    assert page.get_by_test_id("role-mapping-0").is_hidden()
    page.get_by_test_id("save").click()
    page.wait_for_url(f"{live_server.url}/platforms/eu/aws-prod/")
    assert platform.role_mappings.count() == stored - 1


def test_each_pattern_preview_sits_under_its_field(new_platform_page):
    page = new_platform_page
    page.locator("#id_identifier").fill("aws-dev")
    page.locator("#id_account_alias_pattern").fill("acme!<customer>-<project>")
    page.locator("#id_account_email_template").fill("aws+%s@example.com")

    alias = page.get_by_test_id("field-account_alias_pattern").get_by_test_id("preview-alias")
    alias.get_by_text("!").first.wait_for()
    email = page.get_by_test_id("field-account_email_template").get_by_test_id("preview-e-mail")
    email.wait_for()
    assert "aws+acme.web-shop@example.com" in email.inner_text()
    # Each field's preview holds only its own pattern.
    assert page.get_by_test_id("field-account_alias_pattern").get_by_test_id(
        "preview-e-mail"
    ).count() == 0  # fmt: skip
    box, preview = page.locator("#id_account_alias_pattern").bounding_box(), alias.bounding_box()
    assert preview["y"] >= box["y"] + box["height"]
    assert preview["x"] < box["x"] + box["width"] and box["x"] < preview["x"] + preview["width"]


def test_the_fields_of_a_mode_show_only_when_it_is_chosen(new_platform_page):
    page = new_platform_page
    email, timeout = page.locator("#id_account_email_template"), page.locator(
        "#id_external_timeout_minutes"
    )  # fmt: skip
    assert email.is_visible() and timeout.is_hidden()
    page.get_by_label("an external account vending machine creates them").check()
    assert email.is_hidden() and timeout.is_visible()

    saml, center = page.locator("#id_identity_provider_name"), page.locator(
        "#id_identity_center_instance_arn"
    )  # fmt: skip
    assert saml.is_hidden() and center.is_hidden()
    page.get_by_label("a SAML identity provider in every account").check()
    assert saml.is_visible() and center.is_hidden()
    page.get_by_label("IAM Identity Center").check()
    assert saml.is_hidden() and center.is_visible()

    keys, web = page.locator("#id_access_key"), page.locator("#id_web_identity_role_arn")
    assert keys.is_visible() and web.is_hidden()
    page.get_by_label("web identity: AssumeRoleWithWebIdentity").check()
    assert keys.is_hidden() and web.is_visible()


def test_a_failing_connection_check_needs_save_anyway(live_server, page, alice, sandbox_platform):
    base = live_server.url
    sign_in(page, base, "alice")
    page.goto(f"{base}/platforms/local/aws/edit/")
    page.locator("#id_organization_root_account_external_id").fill(WRONG_EXTERNAL_ID)
    page.get_by_test_id("save").click()

    check = page.get_by_test_id("connection-check")
    check.wait_for()
    assert "failed" in check.inner_text()
    assert "external id matches" in check.inner_text()  # the fix advice
    assert page.get_by_test_id("confirm-impact").count() == 0
    save_anyway = page.get_by_test_id("save-anyway")
    save_anyway.click()  # without the tick nothing is saved (the browser or the server refuses)
    assert page.get_by_test_id("connection-check").is_visible()
    sandbox_platform.refresh_from_db()
    assert sandbox_platform.organization_root_account_external_id != WRONG_EXTERNAL_ID

    page.get_by_test_id("save-anyway-confirm").check()
    save_anyway.click()
    page.wait_for_url(f"{base}/platforms/local/aws/")
    sandbox_platform.refresh_from_db()
    assert sandbox_platform.organization_root_account_external_id == WRONG_EXTERNAL_ID
