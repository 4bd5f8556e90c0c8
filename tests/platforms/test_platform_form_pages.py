"""The platform form's pages: sealed secrets after an error, every error at once, and the
connection check of an edit before it is saved."""

import re

import pytest
from django.utils.html import escape

from accounts.services import project_account_create, project_create
from audit.models import AuditEvent
from platforms import secrets
from platforms.models import PlatformInstance
from tests.helpers import MAPPINGS, edit_data, post_data

NEW_ACCESS_KEY = "AKIASEALEDEXAMPLE001"
NEW_SECRET_KEY = "sealed-secret-key-value-typed-once-01"
SANDBOX_EDIT = "/platforms/local/aws/edit/"
WRONG_EXTERNAL_ID = "not-the-external-id-0000"


def sealed_value(page: str) -> str:
    found = re.search(r'name="sealed_secrets" value="([^"]+)"', page)
    assert found, "no sealed_secrets field in the page"
    return found[1]


@pytest.fixture
def europe(location):
    return location


def test_it_keeps_typed_secrets_sealed_after_a_validation_error(client, alice, europe):
    client.force_login(alice)
    data = post_data(
        fields={"access_key": NEW_ACCESS_KEY, "secret_key": NEW_SECRET_KEY,
                "account_alias_pattern": "acme!<customer>-<project>"},
    )  # fmt: skip
    response = client.post("/platforms/new/", data)

    assert response.status_code == 400
    page = response.content.decode()
    assert NEW_ACCESS_KEY not in page and NEW_SECRET_KEY not in page
    sealed = sealed_value(page)
    assert NEW_SECRET_KEY not in sealed
    assert 'placeholder="kept from your last try (sealed)"' in page
    # The operator fixes the alias and leaves the secret boxes empty.
    data.update(access_key="", secret_key="", sealed_secrets=sealed)
    data["account_alias_pattern"] = "acme-<customer>-<project>"
    assert client.post("/platforms/new/", data).status_code == 302
    platform = PlatformInstance.objects.get()
    assert platform.access_key_fingerprint == secrets.fingerprint(NEW_ACCESS_KEY)
    assert platform.secret_key_fingerprint == secrets.fingerprint(NEW_SECRET_KEY)


def test_a_secret_typed_again_replaces_the_sealed_one(client, alice, europe):
    client.force_login(alice)
    data = post_data(fields={"secret_key": NEW_SECRET_KEY, "region": "eu-middle-7"})
    sealed = sealed_value(client.post("/platforms/new/", data).content.decode())

    data.update(secret_key="typed-again-secret-key-value-02", region="eu-central-1")
    data["sealed_secrets"] = sealed
    assert client.post("/platforms/new/", data).status_code == 302
    platform = PlatformInstance.objects.get()
    assert platform.secret_key_fingerprint == secrets.fingerprint("typed-again-secret-key-value-02")


def test_it_shows_every_error_at_once_with_links_to_the_fields(client, alice, europe):
    client.force_login(alice)
    mappings = [MAPPINGS[0], {"project_role": "user", "role_name": "bad name"}]
    zones = [{"identifier": "default", "display_name": "D", "target_organizational_unit": "ou-12"}]
    fields = {
        "external_avm_timeout_minutes": "soon",  # refused by the form itself
        "account_alias_pattern": "acme!<customer>-<project>",  # by the record's rules
    }
    response = client.post("/platforms/new/", post_data(fields, mappings=mappings, zones=zones))

    assert response.status_code == 400
    editor = response.context["editor"]
    assert list(editor.form.errors) == ["external_avm_timeout_minutes", "account_alias_pattern"]
    assert "whole number" in editor.form.errors["external_avm_timeout_minutes"][0]
    assert "role_name" in editor.role_mappings.forms[1].errors
    assert "target_organizational_unit" in editor.landing_zones.forms[0].errors
    page = response.content.decode()
    summary = page[page.index('data-testid="error-summary"') : page.index("</article>")]
    for anchor in ("id_external_avm_timeout_minutes", "id_account_alias_pattern",
                   "id_rm-1-role_name", "id_lz-0-target_organizational_unit"):  # fmt: skip
        assert f'href="#{anchor}"' in summary, anchor
    assert "Role mapping 2, IAM role name" in summary
    assert "Landing zone 1, Target OU or root" in summary
    assert not PlatformInstance.objects.exists()


# --- the connection check before an edit of roles, external ids, endpoint or OUs ----------


@pytest.fixture
def on_sandbox(client, alice, sandbox_platform):
    client.force_login(alice)
    return sandbox_platform


@pytest.fixture
def sandbox_account(on_sandbox, acme):
    project = project_create(customer=acme, identifier="web", actor=None)
    return project_account_create(project=project, platform=on_sandbox, actor=None)


def wrong_external_id(client):
    return edit_data(client, SANDBOX_EDIT, organization_root_account_external_id=WRONG_EXTERNAL_ID)


def test_a_wrong_external_id_shows_the_failing_check_before_saving(client, on_sandbox):
    response = client.post(SANDBOX_EDIT, wrong_external_id(client))

    assert response.status_code == 200
    checks = {check.name: check for check in response.context["checks"]}
    assert not checks["assume management role"].passed
    assert checks["assume management role"].fix
    page = response.content.decode()
    assert escape(checks["assume management role"].fix) in page
    assert 'data-testid="save-anyway"' in page and 'data-testid="confirm-impact"' not in page
    on_sandbox.refresh_from_db()
    assert on_sandbox.organization_root_account_external_id != WRONG_EXTERNAL_ID


def test_saving_a_failing_check_is_refused_without_the_explicit_flag(client, on_sandbox):
    data = {**wrong_external_id(client), "confirm_impact": "1"}
    response = client.post(SANDBOX_EDIT, data)

    assert response.status_code == 400
    assert "Not saved: the connection check of the new values fails" in response.content.decode()
    on_sandbox.refresh_from_db()
    assert on_sandbox.organization_root_account_external_id != WRONG_EXTERNAL_ID
    assert not AuditEvent.objects.filter(action="platform.update").exists()


def test_save_anyway_saves_and_the_audit_log_says_so(client, on_sandbox):
    data = {**wrong_external_id(client), "confirm_impact": "1", "save_anyway": "1"}
    response = client.post(SANDBOX_EDIT, data)

    assert response.status_code == 302
    on_sandbox.refresh_from_db()
    assert on_sandbox.organization_root_account_external_id == WRONG_EXTERNAL_ID
    event = AuditEvent.objects.get(action="platform.update")
    assert "saved although the connection check failed: assume management role" in event.remark


def test_a_change_that_passes_the_check_shows_it_and_saves_as_before(
    client, on_sandbox, sandbox_account, sandbox_state
):
    data = edit_data(client, SANDBOX_EDIT)
    data["lz-0-target_organizational_unit"] = sandbox_state.root_id
    preview = client.post(SANDBOX_EDIT, data)

    assert preview.status_code == 200 and preview.context["impact"].count == 1
    assert preview.context["failed"] == 0 and preview.context["checks"]
    assert 'data-testid="confirm-impact"' in preview.content.decode()
    response = client.post(SANDBOX_EDIT, {**data, "confirm_impact": "1"})
    assert response.status_code == 302
    zone = on_sandbox.landing_zones.get(identifier="default")
    assert zone.target_organizational_unit == sandbox_state.root_id


def test_a_change_elsewhere_runs_no_check(client, on_sandbox, monkeypatch):
    def no_check(*args, **kwargs):
        raise AssertionError("the connection check ran")

    monkeypatch.setattr("platforms.confirmation.check_proposed", no_check)
    response = client.post(SANDBOX_EDIT, edit_data(client, SANDBOX_EDIT, tag_prefix="mc_"))
    assert response.status_code == 302


def test_in_identity_center_mode_it_checks_the_new_role(client, alice, sso_platform):
    client.force_login(alice)
    url = "/platforms/local/sandbox-sso/edit/"
    role = "arn:aws:iam::000000000000:role/NoSuchDelegatedAdmin"
    response = client.post(url, edit_data(client, url, identity_center_role_arn=role))

    checks = {check.name: check for check in response.context["checks"]}
    assert not checks["assume identity center role"].passed
    assert checks["identity center instance"].detail.startswith("skipped")


def test_in_identity_center_mode_it_checks_the_edited_permission_sets(client, alice, sso_platform):
    client.force_login(alice)
    url = "/platforms/local/sandbox-sso/edit/"
    data = edit_data(client, url)
    mapped = data["rm-0-permission_set_arns"].split()[0]
    missing = re.sub(r"ps-[0-9a-f]+$", "ps-0000000000000000", mapped)
    data["rm-0-permission_set_arns"] = missing
    response = client.post(url, data)

    assert response.status_code == 200
    checks = {check.name: check for check in response.context["checks"]}
    assert not checks[f"permission set {missing}"].passed
    assert 'data-testid="save-anyway"' in response.content.decode()
    assert sso_platform.role_mappings.get(position=0).permission_set_arns[0] == mapped


def test_in_identity_center_mode_it_checks_a_new_instance(client, alice, sso_platform):
    client.force_login(alice)
    url = "/platforms/local/sandbox-sso/edit/"
    other = "arn:aws:sso:::instance/ssoins-0000000000000000"
    data = edit_data(client, url, identity_center_instance_arn=other)
    stored = sso_platform.identity_center_instance_arn.rsplit("/", 1)[1]
    for name in [name for name in data if name.endswith("permission_set_arns")]:
        data[name] = data[name].replace(stored, "ssoins-0000000000000000")
    response = client.post(url, data)

    assert response.status_code == 200, response.context["editor"].error_summary
    checks = {check.name: check for check in response.context["checks"]}
    assert not checks["identity center instance"].passed
    assert other in checks["identity center instance"].detail
    sso_platform.refresh_from_db()
    assert sso_platform.identity_center_instance_arn != other


def test_in_identity_center_mode_it_checks_a_new_identity_store(client, alice, sso_platform):
    client.force_login(alice)
    url = "/platforms/local/sandbox-sso/edit/"
    data = edit_data(client, url, identity_center_identity_store_id="d-0000000000")
    response = client.post(url, data)

    assert response.status_code == 200, response.context["editor"].error_summary
    checks = {check.name: check for check in response.context["checks"]}
    assert (
        not checks["identity store"].passed
        and "not d-0000000000" in checks["identity store"].detail
    )
