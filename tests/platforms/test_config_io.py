"""The platform record: every field parsed and validated, errors by path, round trips."""

import json

import pytest

from platforms import config_io
from platforms.config_io import RecordInvalid, parse_record
from tests.helpers import DATA, EXAMPLE_FILE, SHARED_EXAMPLE_FILE


def errors_of(data, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(RecordInvalid) as invalid:
        parse_record(data, **kwargs)
    return invalid.value.errors


def test_the_example_copy_matches_the_shared_contract():
    if SHARED_EXAMPLE_FILE.exists():
        assert json.loads(EXAMPLE_FILE.read_text()) == json.loads(SHARED_EXAMPLE_FILE.read_text())


def test_it_reads_the_integration_page_record(page_record):
    record = parse_record(page_record)
    assert record.platform == "aws-prod" and record.region == "eu-central-1"
    assert record.role_mappings[0].project_role == "admin"
    assert record.role_mappings[0].policy_arns == ()
    assert record.account_email_template == "aws+%s@meshcloud.io"
    assert record.access_key.value == "AKIAPAGEEXAMPLE00001"


def test_it_exports_the_integration_page_record_back_equal(page_record):
    exported = parse_record(page_record).as_dict()
    for key, value in page_record.items():
        if key != "meshfedServiceUser":
            assert exported[key] == value, key
    for name in ("accessKey", "secretKey"):
        assert exported["meshfedServiceUser"][name]["fingerprint"].startswith("hmac-sha256:")


def test_it_reads_the_same_record_from_dhall(page_record):
    text = (DATA / "integration-page.dhall").read_text()
    from_dhall = parse_record(config_io.load_record_text(text, filename="aws.dhall"))
    assert from_dhall == parse_record(page_record)


def test_it_round_trips_the_complete_example(example_record):
    exported = parse_record(example_record).as_dict()
    # The shared example predates consoleSignInUrlTemplate, webIdentity, identityCenter and
    # the lifecycle keys: export adds them, last, with their defaults.
    added = {
        "consoleSignInUrlTemplate": None, "webIdentity": None, "identityCenter": None,
        "allowHierarchicalOrganizationalUnitAssignment": False,
    }  # fmt: skip
    assert list(exported) == [*example_record, *added]
    assert {key: exported[key] for key in added} == added
    zone_added = {
        "retiredOrganizationalUnit": None, "closeAccountOnDeletion": False,
        "automateDeletionApproval": False,
    }  # fmt: skip
    assert exported["landingZones"] == [{**zone, **zone_added} for zone in example_record[
        "landingZones"]]  # fmt: skip
    for key in set(example_record) - {"meshfedServiceUser", "privilegedExternalId", "landingZones"}:
        assert exported[key] == example_record[key], key
    assert "fingerprint" in exported["privilegedExternalId"]


def test_it_accepts_one_policy_or_a_list(example_record):
    record = parse_record(example_record)
    mappings = {m.project_role: m.policy_arns for m in record.role_mappings}
    assert mappings["admin"] == ("arn:aws:iam::aws:policy/AdministratorAccess",)
    assert len(mappings["user"]) == 2 and mappings["reader"] == ()


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ({"meshProvisioning": {"accountEmailTemplate": "aws@meshcloud.io"}},
         "meshProvisioning.accountEmailTemplate", "%s"),
        ({"meshProvisioning": {"accountEmailTemplate": "aws+%s%s@meshcloud.io"}},
         "meshProvisioning.accountEmailTemplate", "%s"),
        ({"meshProvisioning": {"accountEmailTemplate": "aws+%s@meshcloud.iox"}},
         "meshProvisioning.accountEmailTemplate", "65"),
        ({"accountAliasPattern": "a-very-long-company-prefix-<customer>-<project>"},
         "accountAliasPattern", "63"),
        ({"accountAliasPattern": "acme!<customer>-<project>"}, "accountAliasPattern", "!"),
        ({"roleMappings": [{"mapKey": "admin", "mapValue": {"roleName": "r" * 65}}]},
         "roleMappings[0].mapValue.roleName", "65"),
        ({"roleMappings": [{"mapKey": "admin", "mapValue": {"roleName": "admin role"}}]},
         "roleMappings[0].mapValue.roleName", "space"),
        ({"roleMappings": [{"mapKey": "admin", "mapValue": {"roleName": "a", "policyArn": "AdministratorAccess"}}]},
         "roleMappings[0].mapValue.policyArn", "ARN"),
        ({"organizationRootAccountRole": "arn:aws:iam::123456789012:user/meshfed-service"},
         "organizationRootAccountRole", "user"),
        ({"region": "eu-middle-7"}, "region", "eu-middle-7"),
        ({"landingZones": [{"identifier": "default", "targetOrganizationalUnit": "ou-12"}]},
         "landingZones[0].targetOrganizationalUnit", "ou-"),
        ({"organizationRootAccountExternalId": "x"}, "organizationRootAccountExternalId", "2"),
        ({"externalProvisioning": {"timeoutMinutes": 30}},
         "meshProvisioning", "exactly one"),
        ({"meshProvisioning": None}, "meshProvisioning", "exactly one"),
    ],
)  # fmt: skip
def test_it_names_the_field_of_each_invalid_value(page_record, change, path, words):
    errors = errors_of({**page_record, **change})
    assert path in errors, errors
    assert any(words.lower() in message.lower() for message in errors[path]), errors[path]


def test_it_reports_every_error_at_once_in_record_order(page_record):
    page_record.update(
        region="mars-1",
        roleMappings=[
            {"mapKey": "admin", "mapValue": {"roleName": "ok"}},
            {"mapKey": "user", "mapValue": {"roleName": "bad name"}},
        ],
        accountAccessRole="arn:aws:iam::123456789012:role/Access",
        surprise=1,
    )
    errors = errors_of(page_record)
    assert list(errors) == [
        "region", "roleMappings[1].mapValue.roleName", "accountAccessRole", "surprise",
    ]  # fmt: skip
    assert "unknown key" in errors["surprise"][0]


def test_it_refuses_a_project_role_mapped_twice(page_record):
    page_record["roleMappings"] *= 2
    assert "mapped twice" in errors_of(page_record)["roleMappings[1].mapKey"][0]


def test_it_refuses_more_than_ten_policies(page_record):
    arns = [f"arn:aws:iam::123456789012:policy/p{n}" for n in range(11)]
    page_record["roleMappings"] = [
        {"mapKey": "admin", "mapValue": {"roleName": "r", "policyArns": arns}}
    ]
    assert "at most 10" in errors_of(page_record)["roleMappings[0].mapValue.policyArns"][0]


def test_it_requires_the_service_user_keys_on_create(page_record):
    page_record["meshfedServiceUser"] = {}  # keys, but none given (null means keyless)
    errors = errors_of(page_record)
    assert errors["meshfedServiceUser.accessKey"] == ["is required"]


def test_it_resolves_env_secrets_and_names_a_missing_variable(page_record):
    page_record["meshfedServiceUser"] = {"accessKey": "env:MY_KEY", "secretKey": "env:MY_SECRET"}
    record = parse_record(
        page_record, environ={"MY_KEY": "AKIAFROMENV", "MY_SECRET": "s3cret-value"}
    )
    assert record.access_key.value == "AKIAFROMENV"
    errors = errors_of(page_record, environ={"MY_KEY": "AKIAFROMENV"})
    assert errors["meshfedServiceUser.secretKey"] == ["environment variable MY_SECRET is not set"]


def test_it_refuses_env_secrets_where_no_environment_is_given(page_record):
    page_record["meshfedServiceUser"]["accessKey"] = "env:DJANGO_SECRET_KEY"
    message = errors_of(page_record, environ=None)["meshfedServiceUser.accessKey"][0]
    assert "manage.py import_platform" in message


def test_it_keeps_stored_secrets_given_by_fingerprint_or_left_out(page_record):
    stored = parse_record(page_record)
    exported = stored.as_dict()
    again = parse_record(exported, stored=stored)
    assert again.access_key.fingerprint == stored.access_key.fingerprint
    assert again.as_dict() == exported
    page_record["meshfedServiceUser"] = {"accessKey": None, "secretKey": ""}
    assert parse_record(page_record, stored=stored).secret_key == stored.secret_key


def test_it_refuses_a_fingerprint_that_is_not_the_stored_one(page_record):
    page_record["meshfedServiceUser"]["accessKey"] = {"fingerprint": "hmac-sha256:00000000000000"}
    assert "not the stored one" in errors_of(page_record)["meshfedServiceUser.accessKey"][0]


def test_it_never_puts_a_secret_in_an_error_message(page_record):
    page_record["privilegedExternalId"] = "bad secret with spaces!"
    errors = errors_of(page_record)
    assert "bad secret" not in json.dumps(errors)
    assert "privilegedExternalId" in errors


def test_it_checks_landing_zone_bootstraps(example_record):
    zone = example_record["landingZones"][1]
    zone["stackSetName"] = "existing-set"
    errors = errors_of(example_record)
    assert "not both" in errors["landingZones[1]"][0]
    zone["stackSetName"] = None
    zone["bootstrapTemplate"] = "AWSTemplateFormatVersion: '2010-09-09'\nOutputs: {}\n"
    assert "Resources" in errors_of(example_record)["landingZones[1].bootstrapTemplate"][0]
    zone["bootstrapTemplate"] = "Resources: [unclosed"
    assert "landingZones[1].bootstrapTemplate" in errors_of(example_record)


def test_it_reads_cloudformation_short_form_tags(example_record):
    example_record["landingZones"][1]["bootstrapTemplate"] = (
        "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n"
        "      TopicName: !Sub '${AWS::AccountId}-alerts'\n"
    )
    assert parse_record(example_record).landing_zones[1].bootstrap_template


def test_it_checks_the_saml_metadata_document(example_record):
    example_record["identityProvider"]["metadataDocument"] = (
        "<md:EntityDescriptor …>…</md:EntityDescriptor>"
    )
    assert "identityProvider.metadataDocument" in errors_of(example_record)


def test_it_defaults_the_stack_set_region_to_the_platforms(example_record):
    example_record["landingZones"][1]["stackSetRegion"] = None
    assert parse_record(example_record).landing_zones[1].stack_set_region == "eu-central-1"


def test_it_explains_a_file_that_is_not_json():
    with pytest.raises(config_io.RecordFileError, match="not valid JSON"):
        config_io.load_record_text("{nope", filename="x.json")


def test_it_explains_dhall_that_does_not_evaluate():
    with pytest.raises(config_io.RecordFileError, match="Dhall could not evaluate"):
        config_io.load_record_text("{ a = }", filename="x.dhall")


def test_it_explains_a_missing_dhall_binding(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "dhall", None)
    with pytest.raises(config_io.RecordFileError, match=r"pip install -e '\.\[dhall\]'"):
        config_io.load_record_text("{=}", filename="x.dhall")


# --- consoleSignInUrlTemplate ------------------------------------------------------------------

SIGN_IN_TEMPLATE = (
    "https://idp.example.com/aws/sign-in?role={role_arn}&provider={provider_arn}&acct={account_id}"
)


def test_it_round_trips_a_console_sign_in_url_template(example_record):
    example_record["consoleSignInUrlTemplate"] = SIGN_IN_TEMPLATE
    record = parse_record(example_record)
    exported = record.as_dict()
    assert exported["consoleSignInUrlTemplate"] == SIGN_IN_TEMPLATE
    assert list(exported) == list(config_io.RECORD_KEYS)
    assert parse_record(exported, stored=record) == record


def test_it_stores_and_exports_the_console_sign_in_url_template(example_record, location):
    from platforms.services import platform_apply

    example_record["consoleSignInUrlTemplate"] = SIGN_IN_TEMPLATE
    applied = platform_apply(location=location, record=parse_record(example_record), actor=None)
    applied.platform.refresh_from_db()
    assert applied.platform.console_sign_in_url_template == SIGN_IN_TEMPLATE
    exported = config_io.record_of(applied.platform).as_dict()
    assert exported["consoleSignInUrlTemplate"] == SIGN_IN_TEMPLATE


def test_it_clears_the_console_sign_in_url_template_on_import(example_record, location):
    from platforms.services import platform_apply

    example_record["consoleSignInUrlTemplate"] = SIGN_IN_TEMPLATE
    platform_apply(location=location, record=parse_record(example_record), actor=None)
    example_record["consoleSignInUrlTemplate"] = None
    platform = platform_apply(
        location=location, record=parse_record(example_record), actor=None
    ).platform
    platform.refresh_from_db()
    assert platform.console_sign_in_url_template == ""
    assert config_io.record_of(platform).as_dict()["consoleSignInUrlTemplate"] is None


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("https://idp.example.com/{account}", "{account}"),
        ("https://idp.example.com/{account_id", "not closed"),
        ("https://idp.example.com/account_id}", "without '{'"),
        ("https://idp.example.com/{}", "empty placeholder"),
        ("https://idp.example.com/{role_name:%s}", "{role_name:%s}"),
        ("http://idp.example.com/{account_id}", "https://"),
        ("ftp://idp.example.com/{account_id}", "https://"),
        ("{alias}.signin.aws.amazon.com", "https://"),
        ("https://bad host/{account_id}", "valid URL"),
        ("https://idp.example.com/" + "a" * 2000, "at most"),
        (42, "text"),
    ],
)  # fmt: skip
def test_it_refuses_an_invalid_console_sign_in_url_template(example_record, template, words):
    example_record["consoleSignInUrlTemplate"] = template
    errors = errors_of(example_record)
    assert list(errors) == ["consoleSignInUrlTemplate"], errors
    assert words.lower() in errors["consoleSignInUrlTemplate"][0].lower()


@pytest.mark.parametrize(
    "template",
    [
        "https://{alias}.signin.aws.amazon.com/console",
        "https://signin.aws.amazon.com/switchrole?account={account_id}&roleName={role_name}",
        "http://localhost:8000/sign-in/{platform}/{account_id}",
        "https://portal.example.com/aws",
    ],
)
def test_it_accepts_a_console_sign_in_url_template(example_record, template):
    example_record["consoleSignInUrlTemplate"] = template
    assert parse_record(example_record).console_sign_in_url_template == template


def test_it_refuses_provider_arn_without_an_identity_provider(example_record):
    example_record["identityProvider"] = None
    example_record["consoleSignInUrlTemplate"] = SIGN_IN_TEMPLATE
    assert "identityProvider" in errors_of(example_record)["consoleSignInUrlTemplate"][0]


def test_it_puts_a_console_sign_in_url_template_error_on_its_form_field(client, alice, location):
    from tests.helpers import post_data

    client.force_login(alice)
    fields = {"console_sign_in_url_template": "https://idp.example.com/{acount_id}"}
    response = client.post("/platforms/new/", post_data(fields=fields))
    assert response.status_code == 400
    errors = response.context["editor"].form.errors
    assert "{acount_id}" in errors["console_sign_in_url_template"][0]


def test_it_saves_the_console_sign_in_url_template_from_the_form(client, alice, location):
    from platforms.models import PlatformInstance
    from tests.helpers import post_data

    client.force_login(alice)
    fields = {"console_sign_in_url_template": "https://{alias}.signin.aws.amazon.com/console"}
    response = client.post("/platforms/new/", post_data(fields=fields))
    assert response.status_code == 302
    platform = PlatformInstance.objects.get()
    assert platform.console_sign_in_url_template == fields["console_sign_in_url_template"]
    assert "{alias}.signin.aws.amazon.com" in client.get(response["Location"]).content.decode()
    edit = client.get(f"{response['Location']}edit/").content.decode()
    assert 'value="https://{alias}.signin.aws.amazon.com/console"' in edit
