"""Secrets follow their destination: a change of where a secret goes must bring it again.

Each test keeps the stored secrets (as an export or the API names them, by fingerprint, or
left out) while changing a destination, through the record parser, the service, the form,
the API and the import alike.
"""

import json

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from platforms import config_io, services
from platforms.config_io import RecordInvalid, parse_record
from platforms.models import PlatformInstance
from tests.helpers import ACCESS_KEY, PRIVILEGED_EXTERNAL_ID, SECRET_KEY, SECRETS, post_data

KEYS = ("meshfedServiceUser.accessKey", "meshfedServiceUser.secretKey")
PRIVILEGED = ("privilegedExternalId",)
EVERY_SECRET = (*KEYS, *PRIVILEGED)
NEW_DESTINATIONS = {
    "endpointUrl": "http://collector.example.net:4566",
    "region": "eu-west-1",
    "organizationRootAccountRole": "arn:aws:iam::999999999999:role/Collector",
    "accountAccessRole": "CollectorRole",
}


def message(destination: str) -> str:
    return (
        f"{destination} changed; type this secret again (it would be sent to the new destination)"
    )


@pytest.fixture
def stored(platform):
    return config_io.record_of(platform)


@pytest.fixture
def exported(stored):
    """The platform as an export or the API shows it: secrets by fingerprint only."""
    return stored.as_dict()


@pytest.mark.parametrize(
    ("destination", "carried"),
    [
        ("endpointUrl", EVERY_SECRET),
        ("region", EVERY_SECRET),
        ("organizationRootAccountRole", PRIVILEGED),
        ("accountAccessRole", PRIVILEGED),
    ],
)
def test_it_refuses_a_new_destination_with_the_secrets_it_carries_kept(
    exported, stored, destination, carried
):
    exported[destination] = NEW_DESTINATIONS[destination]
    with pytest.raises(RecordInvalid) as invalid:
        parse_record(exported, stored=stored)
    secret_errors = {path: m for path, m in invalid.value.errors.items() if path in EVERY_SECRET}
    assert secret_errors == {path: [message(destination)] for path in carried}


def test_it_refuses_secrets_left_out_as_it_refuses_fingerprints(exported, stored):
    exported["endpointUrl"] = NEW_DESTINATIONS["endpointUrl"]
    exported["meshfedServiceUser"] = {"accessKey": None, "secretKey": ""}
    exported["privilegedExternalId"] = None
    with pytest.raises(RecordInvalid) as invalid:
        parse_record(exported, stored=stored)
    assert set(invalid.value.errors) == set(EVERY_SECRET)


def test_it_names_every_destination_that_changed(exported, stored):
    exported["endpointUrl"] = NEW_DESTINATIONS["endpointUrl"]
    exported["accountAccessRole"] = NEW_DESTINATIONS["accountAccessRole"]
    with pytest.raises(RecordInvalid) as invalid:
        parse_record(exported, stored=stored)
    assert invalid.value.errors["privilegedExternalId"] == [
        message("endpointUrl and accountAccessRole")
    ]


def test_it_accepts_a_new_destination_with_the_secrets_typed_again(exported, stored):
    exported["endpointUrl"] = NEW_DESTINATIONS["endpointUrl"]
    exported["meshfedServiceUser"] = {"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}
    exported["privilegedExternalId"] = PRIVILEGED_EXTERNAL_ID
    record = parse_record(exported, stored=stored)
    assert record.endpoint_url == NEW_DESTINATIONS["endpointUrl"]


def test_it_keeps_secrets_through_changes_that_send_them_nowhere_new(exported, stored):
    exported["automationAccountRole"] = "arn:aws:iam::210987654321:role/OtherAutomationRole"
    exported["tagPrefix"] = "mc_"
    record = parse_record(exported, stored=stored)
    assert record.access_key == stored.access_key
    assert record.privileged_external_id == stored.privileged_external_id


def test_it_asks_only_for_secrets_that_are_set(location, example_record):
    example_record["privilegedExternalId"] = None
    platform = services.platform_apply(
        location=location, record=parse_record(example_record), actor=None
    ).platform
    exported = config_io.record_of(platform).as_dict()
    exported["accountAccessRole"] = NEW_DESTINATIONS["accountAccessRole"]
    record = parse_record(exported, stored=config_io.record_of(platform))
    assert record.account_access_role == "CollectorRole"


def test_a_switch_to_keyless_credentials_drops_the_keys_and_asks_for_the_rest(exported, stored):
    exported["endpointUrl"] = NEW_DESTINATIONS["endpointUrl"]
    exported["meshfedServiceUser"] = None  # the default chain: the stored keys go nowhere
    with pytest.raises(RecordInvalid) as invalid:
        parse_record(exported, stored=stored)
    assert set(invalid.value.errors) == {"privilegedExternalId"}


def test_a_new_web_identity_role_asks_for_the_privileged_external_id(exported, stored):
    exported["meshfedServiceUser"] = None
    exported["webIdentity"] = {
        "roleArn": "arn:aws:iam::999999999999:role/Collector",
        "tokenFile": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
    }
    with pytest.raises(RecordInvalid) as invalid:
        parse_record(exported, stored=stored)
    assert invalid.value.errors == {"privilegedExternalId": [message("webIdentity.roleArn")]}


def test_the_service_refuses_it_for_every_caller(platform, location, example_record):
    # A record parsed without the stored one (as a script might) still cannot move secrets.
    example_record["region"] = "eu-west-1"
    example_record["privilegedExternalId"] = None
    with pytest.raises(RecordInvalid) as invalid:
        services.platform_apply(location=location, record=parse_record(example_record), actor=None)
    assert invalid.value.errors == {"privilegedExternalId": [message("region")]}
    platform.refresh_from_db()
    assert platform.region == "eu-central-1"


# --- the API ----------------------------------------------------------------------------------


@pytest.fixture
def operator_api(alice):
    client = APIClient()
    client.force_authenticate(user=alice)
    return client


def test_the_api_answers_400_naming_the_secrets(operator_api, platform, exported):
    exported["endpointUrl"] = NEW_DESTINATIONS["endpointUrl"]
    response = operator_api.patch(
        "/api/v1/platforms/aws-prod.eu/", {"config": exported}, format="json"
    )
    assert response.status_code == 400, response.data
    errors = response.data["config"]
    for path in EVERY_SECRET:
        assert errors[path] == [message("endpointUrl")]
    platform.refresh_from_db()
    assert platform.endpoint_url == ""


def test_the_api_accepts_it_with_the_secrets_typed_again(operator_api, platform, exported):
    exported["endpointUrl"] = NEW_DESTINATIONS["endpointUrl"]
    exported["meshfedServiceUser"] = {"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}
    exported["privilegedExternalId"] = PRIVILEGED_EXTERNAL_ID
    response = operator_api.patch(
        "/api/v1/platforms/aws-prod.eu/", {"config": exported}, format="json"
    )
    assert response.status_code == 200, response.data
    assert PlatformInstance.objects.get().endpoint_url == NEW_DESTINATIONS["endpointUrl"]
    for secret in SECRETS:
        assert secret not in json.dumps(response.data)


# --- the form ---------------------------------------------------------------------------------


def edit_data(client, **changes):
    editor = client.get("/platforms/eu/aws-prod/edit/").context["editor"]
    data = {name: ("" if value is None else value) for name, value in editor.form.initial.items()}
    data.update({"access_key": "", "secret_key": "", "privileged_external_id": "", **changes})
    mappings = list(editor.role_mappings.initial)
    zones = [
        {key: value for key, value in row.items() if value not in (None, False)}
        for row in editor.landing_zones.initial
    ]
    return post_data(fields=data, mappings=mappings, zones=zones,
                     initial_mappings=len(mappings), initial_zones=len(zones))  # fmt: skip


def test_the_form_puts_the_error_on_each_secret_field(client, alice, platform):
    client.force_login(alice)
    response = client.post(
        "/platforms/eu/aws-prod/edit/",
        edit_data(client, endpoint_url="http://collector.example.net"),
    )
    assert response.status_code == 400
    form = response.context["editor"].form
    for field in ("access_key", "secret_key", "privileged_external_id"):
        assert form.errors[field] == [message("endpointUrl")]
    platform.refresh_from_db()
    assert platform.endpoint_url == ""


def test_the_form_saves_it_with_the_secrets_typed_again(client, alice, platform):
    client.force_login(alice)
    data = edit_data(
        client, region="eu-west-1", access_key=ACCESS_KEY, secret_key=SECRET_KEY,
        privileged_external_id=PRIVILEGED_EXTERNAL_ID,
    )  # fmt: skip
    response = client.post("/platforms/eu/aws-prod/edit/", data)
    assert response.status_code == 302, (
        response.context and response.context["editor"].error_summary
    )
    platform.refresh_from_db()
    assert platform.region == "eu-west-1"


# --- import: the command and the page ---------------------------------------------------------


def test_the_import_command_lists_the_secrets(platform, exported, tmp_path):
    exported["organizationRootAccountRole"] = NEW_DESTINATIONS["organizationRootAccountRole"]
    path = tmp_path / "moved.json"
    path.write_text(json.dumps(exported))
    with pytest.raises(CommandError) as failure:
        call_command("import_platform", str(path), "--location", "eu")
    assert f"privilegedExternalId: {message('organizationRootAccountRole')}" in str(failure.value)
    platform.refresh_from_db()
    assert platform.organization_root_account_role.endswith(":role/MeshfedServiceRole")


def test_the_import_page_lists_the_secrets(client, alice, platform, exported):
    from django.core.files.uploadedfile import SimpleUploadedFile

    exported["region"] = "eu-west-1"
    client.force_login(alice)
    upload = SimpleUploadedFile("aws-prod.json", json.dumps(exported).encode())
    response = client.post("/platforms/import/", {"file": upload, "location": "eu"})
    assert response.status_code == 400
    page = response.content.decode()
    assert f"meshfedServiceUser.secretKey: {message('region')}" in page
    platform.refresh_from_db()
    assert platform.region == "eu-central-1"
