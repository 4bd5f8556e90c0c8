"""The record declared once (config_io/declaration.py): every use of a key follows from it."""

import json
from dataclasses import dataclass

import pytest
from drf_spectacular.generators import SchemaGenerator

from platforms import config_io, patterns
from platforms.config_io import PlatformConfig, PlatformRecord, parse_record, record_of
from platforms.config_io.declaration import declared, keys_affecting_every_account
from platforms.config_io.fields import Text
from platforms.forms import PlatformEditor, initial_from_record
from platforms.forms.mapping import field_of_path, initial_from, record_from_form
from tests.helpers import EXAMPLE_FILE

WEB_IDENTITY = {
    "roleArn": "arn:aws:iam::210987654321:role/meshaws",
    "tokenFile": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
}
EXTERNAL = {"timeoutMinutes": 90, "customerTagKey": "Customer", "projectTagKey": "Project"}
INSTANCE = "arn:aws:sso:::instance/ssoins-0123456789abcdef"
IDENTITY_CENTER = {
    "instanceArn": INSTANCE,
    "identityStoreId": "d-1234567890",
    "region": "eu-central-1",
    "roleArn": "arn:aws:iam::345678901234:role/MeshawsIdentityCenter",
    "externalId": "ic-external-id",
    "groupNamePattern": "mst-#{customerIdentifier}.#{projectIdentifier}-#{projectRoleIdentifier}",
    "signInUrl": "https://d-1234567890.awsapps.com/start",
}


def _permission_sets(*ids: str) -> dict:
    """A role mapping value of Identity Center mode."""
    return {
        "permissionSetArns": [f"{INSTANCE.replace('instance', 'permissionSet')}/{i}" for i in ids]
    }


# meshaws' lifecycle keys, which the shared example predates: a landing zone's retirement
# settings, and the platform's hierarchical OU assignment.
RETIREMENT = {
    "retiredOrganizationalUnit": "ou-ab12-0e1d2c3b",
    "closeAccountOnDeletion": True,
    "automateDeletionApproval": True,
}
NO_RETIREMENT = {
    "retiredOrganizationalUnit": None,
    "closeAccountOnDeletion": False,
    "automateDeletionApproval": False,
}


def test_it_declares_every_key_of_the_shared_example():
    example = json.loads(EXAMPLE_FILE.read_text())
    assert list(config_io.RECORD_KEYS)[: len(example)] == list(example)
    assert list(config_io.RECORD_KEYS)[-1] == "allowHierarchicalOrganizationalUnitAssignment"
    zone_keys = list(example["landingZones"][0])
    assert all(list(zone) == zone_keys for zone in example["landingZones"])
    assert list(config_io.LANDING_ZONE_KEYS) == [*zone_keys, *RETIREMENT]


def test_the_keys_affecting_every_account_are_the_settings_every_run_applies():
    assert config_io.KEYS_AFFECTING_EVERY_ACCOUNT == (
        "region", "meshfedServiceUser", "organizationRootAccountRole",
        "organizationRootAccountExternalId", "automationAccountRole",
        "automationAccountExternalId", "waitForExternalAvm", "externalProvisioning",
        "accountAccessRole", "privilegedExternalId", "enforceAccountAlias", "tagPrefix",
        "identityProvider", "endpointUrl", "webIdentity", "identityCenter",
        "allowHierarchicalOrganizationalUnitAssignment",
    )  # fmt: skip


def test_the_api_schema_describes_every_key_of_the_config():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    for name in ("PlatformConfig", "PlatformConfigRequest"):
        assert list(components[name]["properties"]) == list(config_io.RECORD_KEYS), name
    assert list(components["LandingZone"]["properties"]) == list(config_io.LANDING_ZONE_KEYS)
    config = components["PlatformRequest"]["properties"]["config"]
    assert config["allOf"] == [{"$ref": "#/components/schemas/PlatformConfigRequest"}]


def _variant(example_record: dict, variant: str) -> dict:
    """The complete example (with the lifecycle keys set), and the same with the
    alternatives it does not use."""
    example_record["consoleSignInUrlTemplate"] = "https://{alias}.signin.aws.amazon.com/console"
    example_record["allowHierarchicalOrganizationalUnitAssignment"] = True
    first, *others = example_record["landingZones"]
    example_record["landingZones"] = [{**first, **RETIREMENT}] + [
        {**zone, **NO_RETIREMENT} for zone in others
    ]
    if variant == "web identity":
        example_record["meshfedServiceUser"] = None
        example_record["webIdentity"] = WEB_IDENTITY
    elif variant == "external provisioning":
        example_record["meshProvisioning"] = None
        example_record["externalProvisioning"] = EXTERNAL
    elif variant == "identity center":
        example_record["identityProvider"] = None
        example_record["consoleSignInUrlTemplate"] = "https://{alias}.signin.aws.amazon.com/"
        example_record["identityCenter"] = IDENTITY_CENTER
        for number, mapping in enumerate(example_record["roleMappings"]):
            mapping["mapValue"] = _permission_sets(f"ps-{number:016d}", "ps-readonly00000001")
        example_record["landingZones"][0]["roleMappings"] = [
            {"mapKey": "admin", "mapValue": _permission_sets("ps-zone000000000001")}
        ]
    elif variant == "default chain":
        example_record["meshfedServiceUser"] = None
        example_record["identityProvider"] = None
        example_record["consoleSignInUrlTemplate"] = None
    return example_record


VARIANTS = ["complete", "web identity", "external provisioning", "default chain", "identity center"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_key_round_trips_through_parse_and_export(example_record, variant):
    given = _variant(example_record, variant)
    record = parse_record(given)
    exported = record.as_dict()
    assert list(exported) == list(config_io.RECORD_KEYS)
    for key, value in given.items():
        if key not in config_io.SECRET_PATHS and key != "meshfedServiceUser":
            assert exported[key] == value, key
    assert parse_record(exported, stored=record) == record


def _posted(initial: tuple[dict, list, list]) -> dict:
    """The edit form posted back unchanged, as a browser sends it (secrets left empty)."""
    fields, mappings, zones = initial
    data = {name: value for name, value in fields.items() if value not in (None, False)}
    for prefix, rows in (("rm", mappings), ("lz", zones)):
        data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"] = str(len(rows))
        for index, row in enumerate(rows):
            for key, value in row.items():
                if value not in (None, False):
                    data[f"{prefix}-{index}-{key}"] = value
    return data


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_key_round_trips_through_the_forms_initial_values(example_record, location, variant):
    from platforms.services import platform_apply

    record = parse_record(_variant(example_record, variant))
    platform = platform_apply(location=location, record=record, actor=None).platform
    stored = record_of(platform)
    editor = PlatformEditor(_posted(initial_from_record(stored, platform)), platform=platform)
    assert editor.is_valid(), editor.error_summary
    again = parse_record(editor.record_data(), stored=stored)
    assert again.as_dict() == stored.as_dict() == record.as_dict()


@dataclass(frozen=True)
class RecordWithContact(PlatformRecord):
    """The record with one key more, as a new key would be added."""

    billing_contact: str = ""


@pytest.fixture
def billing_contact(monkeypatch):
    """`billingContact`, declared once like any other key: a text that every account gets."""
    contact = Text(max_length=100, check=patterns.validate_display_name, every_account=True)
    monkeypatch.setitem(PlatformConfig._declared_fields, "billingContact", contact)
    monkeypatch.setattr(PlatformConfig, "record_class", RecordWithContact)
    declared.cache_clear()
    yield
    declared.cache_clear()


def test_a_key_declared_once_is_parsed_checked_and_exported(billing_contact, example_record):
    record = parse_record({**example_record, "billingContact": "FinOps"})
    assert record.billing_contact == "FinOps"
    assert record.as_dict()["billingContact"] == "FinOps"
    assert list(record.as_dict())[-1] == "billingContact"
    with pytest.raises(config_io.RecordInvalid) as invalid:
        parse_record({**example_record, "billingContact": 7})
    assert invalid.value.errors == {"billingContact": ["must be a text"]}


def test_a_key_declared_once_reaches_the_form_the_api_and_the_impact(
    billing_contact, example_record
):
    record = parse_record({**example_record, "billingContact": "FinOps"})
    assert field_of_path(declared())["billingContact"] == "billing_contact"
    assert initial_from(declared(), record)["billing_contact"] == "FinOps"
    posted = record_from_form(declared(), {"billing_contact": "Billing"})
    assert posted["billingContact"] == "Billing"
    assert "billingContact" in keys_affecting_every_account()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "billingContact" in schema["components"]["schemas"]["PlatformConfig"]["properties"]
