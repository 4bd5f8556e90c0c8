"""Identity Center mode's configuration: the record, its refusals, import, API, form and impact."""

import json

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from accounts.services import project_account_create, project_create
from platforms.config_io import IdentityCenterRecord, RecordInvalid, parse_record
from platforms.models import PlatformInstance, RoleMapping
from replication.models import ReplicationRun
from tests.helpers import edit_data, post_data

INSTANCE = "arn:aws:sso:::instance/ssoins-0123456789abcdef"
ADMIN_SET = "arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-admin00000000001"
READ_SET = "arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-read000000000001"
PATTERN = "mst-#{customerIdentifier}.#{projectIdentifier}-#{projectRoleIdentifier}"
CENTER = {
    "instanceArn": INSTANCE,
    "identityStoreId": "d-1234567890",
    "region": "eu-central-1",
    "roleArn": None,
    "externalId": None,
    "groupNamePattern": PATTERN,
    "signInUrl": "https://d-1234567890.awsapps.com/start",
}
FIRST = "roleMappings[0].mapValue"


@pytest.fixture
def center_record(example_record) -> dict:
    """The complete example in Identity Center mode: permission sets instead of IAM roles."""
    example_record["identityProvider"] = None
    example_record["identityCenter"] = dict(CENTER)
    example_record["roleMappings"] = [
        {"mapKey": "admin", "mapValue": {"permissionSetArns": [ADMIN_SET]}},
        {"mapKey": "reader", "mapValue": {"permissionSetArns": [READ_SET, ADMIN_SET]}},
    ]
    return example_record


def errors_of(record: dict) -> dict[str, list[str]]:
    with pytest.raises(RecordInvalid) as invalid:
        parse_record(record)
    return invalid.value.errors


def test_it_reads_the_instance_and_the_permission_sets(center_record):
    record = parse_record(center_record)
    assert record.identity_center == IdentityCenterRecord(
        instance_arn=INSTANCE, identity_store_id="d-1234567890", region="eu-central-1",
        role_arn="", external_id="", group_name_pattern=PATTERN,
        sign_in_url="https://d-1234567890.awsapps.com/start",
    )  # fmt: skip
    reader = record.role_mappings[1]
    assert (reader.role_name, reader.policy_arns) == ("", ())
    assert reader.permission_set_arns == (READ_SET, ADMIN_SET)
    assert record.as_dict()["roleMappings"][1]["mapValue"] == {
        "permissionSetArns": [READ_SET, ADMIN_SET]
    }


def test_it_round_trips_through_import_and_export_platform(center_record, tmp_path, capsys, db):
    source = tmp_path / "aws-prod.json"
    source.write_text(json.dumps(center_record))
    call_command("import_platform", str(source), "--location", "eu")
    platform = PlatformInstance.objects.get()
    assert platform.access_mode == PlatformInstance.AccessMode.IDENTITY_CENTER
    assert platform.identity_center_group_name_pattern == PATTERN
    mapping = RoleMapping.objects.get(platform=platform, project_role="reader")
    assert (mapping.role_name, mapping.permission_set_arns) == ("", [READ_SET, ADMIN_SET])
    capsys.readouterr()
    call_command("export_platform", "aws-prod.eu")
    exported = json.loads(capsys.readouterr().out)
    assert exported["identityCenter"] == CENTER and exported["identityProvider"] is None
    assert exported["roleMappings"] == center_record["roleMappings"]
    source.write_text(json.dumps(exported))
    call_command("import_platform", str(source))
    assert "aws-prod.eu unchanged" in capsys.readouterr().out


def test_the_api_takes_and_shows_identity_center(operator_api, location, center_record):
    center_record["identityCenter"]["roleArn"] = (
        "arn:aws:iam::345678901234:role/MeshawsIdentityCenter"
    )
    center_record["identityCenter"]["externalId"] = "ic-external-id"
    response = operator_api.post(
        "/api/v1/platforms/", {"location": "eu", "config": center_record}, format="json"
    )
    assert response.status_code == 201, response.data
    config = operator_api.get("/api/v1/platforms/aws-prod.eu/").data["config"]
    assert config["identityCenter"] == center_record["identityCenter"]
    assert config["roleMappings"] == center_record["roleMappings"]


def test_the_api_refuses_a_mapping_of_the_other_mode_by_its_path(
    operator_api, location, center_record
):
    center_record["roleMappings"][0]["mapValue"] = {"roleName": "ProjectAdmin"}
    response = operator_api.post(
        "/api/v1/platforms/", {"location": "eu", "config": center_record}, format="json"
    )
    assert response.status_code == 400
    assert "belongs to SAML mode" in response.data["config"][f"{FIRST}.roleName"][0]
    assert "is required" in response.data["config"][f"{FIRST}.permissionSetArns"][0]


def _with(path: str, value):
    """A change of `center_record` at a dotted path (list indexes as numbers)."""

    def change(record: dict) -> None:
        *parents, last = path.split(".")
        target = record
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = value

    return change


REFUSALS = [
    (_with("identityProvider", {"name": "idp", "metadataDocument": "x"}), "identityCenter",
     "give identityProvider (SAML) or identityCenter, not both"),
    (_with("roleMappings.0.mapValue", {"roleName": "ProjectAdmin", "permissionSetArns": [ADMIN_SET]}),
     f"{FIRST}.roleName", "belongs to SAML mode (identityProvider)"),
    (_with("roleMappings.0.mapValue.policyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess"),
     f"{FIRST}.policyArn", "belongs to SAML mode"),
    (_with("roleMappings.0.mapValue.policyArns", ["arn:aws:iam::aws:policy/ReadOnlyAccess"]),
     f"{FIRST}.policyArns", "belongs to SAML mode"),
    (_with("roleMappings.0.mapValue", {}), f"{FIRST}.permissionSetArns",
     "is required with identityCenter: 1 to 10 permission set ARNs"),
    (_with("roleMappings.0.mapValue.permissionSetArns", []), f"{FIRST}.permissionSetArns",
     "is required with identityCenter"),
    (_with("roleMappings.0.mapValue.permissionSetArns", [f"{ADMIN_SET[:-2]}{n:02d}" for n in range(11)]),
     f"{FIRST}.permissionSetArns", "has 11 permission sets; a role mapping names at most 10"),
    (_with("roleMappings.0.mapValue.permissionSetArns", [ADMIN_SET, ADMIN_SET]),
     f"{FIRST}.permissionSetArns", "names a permission set twice"),
    (_with("roleMappings.0.mapValue.permissionSetArns", "x"), f"{FIRST}.permissionSetArns",
     "must be a list of permission set ARNs"),
    (_with("roleMappings.0.mapValue.permissionSetArns", [7]), f"{FIRST}.permissionSetArns[0]",
     "must be a text"),
    (_with("roleMappings.0.mapValue.permissionSetArns", ["arn:aws:sso:::permissionSet/ps-1"]),
     f"{FIRST}.permissionSetArns[0]", "is not a permission set ARN"),
    (_with("roleMappings.0.mapValue.permissionSetArns",
           ["arn:aws:sso:::permissionSet/ssoins-ffffffffffffffff/ps-admin00000000001"]),
     f"{FIRST}.permissionSetArns[0]", "belongs to the instance ssoins-ffffffffffffffff, not to"),
    (_with("landingZones.0.roleMappings", [{"mapKey": "admin", "mapValue": {"roleName": "Admin"}}]),
     "landingZones[0].roleMappings[0].mapValue.roleName", "belongs to SAML mode"),
    (_with("identityCenter.instanceArn", "arn:aws:sso:::instance/ins-1"), "identityCenter.instanceArn",
     "is not an IAM Identity Center instance ARN"),
    (_with("identityCenter.instanceArn", None), "identityCenter.instanceArn", "is required"),
    (_with("identityCenter.identityStoreId", "d-12345"), "identityCenter.identityStoreId",
     "is not an identity store id"),
    (_with("identityCenter.region", "eu-middle-7"), "identityCenter.region", "not an AWS region"),
    (_with("identityCenter.roleArn", "MeshawsIdentityCenter"), "identityCenter.roleArn",
     "is not an ARN; expected arn:aws:iam::"),
    (_with("identityCenter.externalId", "ic-external-id"), "identityCenter.externalId",
     "needs roleArn"),
    (_with("identityCenter.signInUrl", "http://d-1234567890.awsapps.com/start"),
     "identityCenter.signInUrl", "must be an https URL"),
    (_with("identityCenter.groupNamePattern", None), "identityCenter.groupNamePattern",
     "is required"),
    (_with("identityCenter.groupNamePattern", "mst-#{projectIdentifier}-#{projectRoleIdentifier}"),
     "identityCenter.groupNamePattern", "would give several groups the same name"),
    (_with("identityCenter.groupNamePattern", "#{customerIdentifier}.#{projectIdentifier}-#{role}"),
     "identityCenter.groupNamePattern", "has the unknown placeholder #{role}"),
    (_with("identityCenter.groupNamePattern", "a\x00#{customerIdentifier}#{projectIdentifier}"
           "#{projectRoleIdentifier}"), "identityCenter.groupNamePattern",
     "contains the character U+0000"),
    (_with("identityCenter.unknown", 1), "identityCenter.unknown", "unknown key"),
    (_with("consoleSignInUrlTemplate", "https://x.example/{account_id}/{role_name}"),
     "consoleSignInUrlTemplate", "uses {role_name}, but with identityCenter"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "path", "words"), REFUSALS)
def test_it_refuses_each_wrong_value_by_its_path(center_record, change, path, words):
    change(center_record)
    errors = errors_of(center_record)
    assert path in errors, errors
    assert words in " ".join(errors[path])


def test_it_refuses_permission_sets_without_identity_center(example_record):
    example_record["roleMappings"][0]["mapValue"]["permissionSetArns"] = [ADMIN_SET]
    example_record["landingZones"][0]["roleMappings"] = [
        {"mapKey": "admin", "mapValue": {"permissionSetArns": [ADMIN_SET]}}
    ]
    errors = errors_of(example_record)
    for path in (
        f"{FIRST}.permissionSetArns",
        "landingZones[0].roleMappings[0].mapValue.permissionSetArns",
    ):
        assert errors[path] == [
            "belongs to Identity Center mode: give the platform identityCenter, or map the role "
            "to a roleName (and policies) for SAML"
        ]


def test_a_record_mixing_the_modes_lists_every_key_that_does_not_belong(
    center_record, metadata_xml
):
    center_record["identityProvider"] = {"name": "meshstack-idp", "metadataDocument": metadata_xml}
    center_record["roleMappings"][0]["mapValue"]["roleName"] = "ProjectAdmin"
    center_record["roleMappings"][1]["mapValue"] = {
        "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"
    }
    assert sorted(errors_of(center_record)) == [
        "identityCenter", f"{FIRST}.roleName", "roleMappings[1].mapValue.permissionSetArns",
        "roleMappings[1].mapValue.policyArn",
    ]  # fmt: skip


def test_it_checks_the_group_name_at_its_worst_case(center_record):
    # 936 characters, a customer of 8, a project of 30 and a project role of 50: 1024 in all.
    pattern = "g" * 936 + "#{customerIdentifier}#{projectIdentifier}#{projectRoleIdentifier}"
    center_record["identityCenter"]["groupNamePattern"] = pattern
    center_record["projectIdentifierLength"] = 30
    center_record["customerIdentifierLength"] = 8
    parse_record(center_record)
    center_record["customerIdentifierLength"] = 9
    assert errors_of(center_record) == {
        "identityCenter.groupNamePattern": [
            "the longest group name it can produce has 1025 characters (customer identifiers up "
            "to 9, project identifiers up to 30, project role identifiers up to 50); Identity "
            "Store allows 1024"
        ]
    }


def test_the_group_name_counts_the_platform_as_it_is(center_record):
    # A platform identifier is up to 63 characters; this one, aws-prod, has 8.
    pattern = (
        "#{platform}"
        + "g" * 930
        + "#{customerIdentifier}#{projectIdentifier}#{projectRoleIdentifier}"
    )
    center_record["identityCenter"]["groupNamePattern"] = pattern
    center_record["customerIdentifierLength"] = 6
    parse_record(center_record)


@pytest.fixture
def europe(location):
    return location


def test_the_form_creates_a_platform_in_identity_center_mode(client, alice, europe):
    client.force_login(alice)
    fields = {
        "access_mode": "identity_center", "identity_center_instance_arn": INSTANCE,
        "identity_center_identity_store_id": "d-1234567890",
        "identity_center_region": "eu-central-1", "identity_center_group_name_pattern": PATTERN,
        "identity_center_sign_in_url": CENTER["signInUrl"],
    }  # fmt: skip
    mappings = [{"project_role": "admin", "permission_set_arns": f"{ADMIN_SET}\n{READ_SET}"}]
    response = client.post("/platforms/new/", post_data(fields=fields, mappings=mappings))
    assert response.status_code == 302, response.context["editor"].error_summary
    platform = PlatformInstance.objects.get()
    assert platform.access_mode == "identity_center"
    assert platform.role_mappings.get().permission_set_arns == [ADMIN_SET, READ_SET]
    page = client.get("/platforms/eu/aws-dev/edit/")
    assert page.context["editor"].form.initial["access_mode"] == "identity_center"
    assert page.context["editor"].role_mappings.initial[0]["permission_set_arns"] == (
        f"{ADMIN_SET}\n{READ_SET}"
    )
    detail = client.get("/platforms/eu/aws-dev/").content.decode()
    assert "mst-acme.web-shop-admin" in detail


def test_the_form_puts_mixed_mappings_on_their_row_fields(client, alice, europe):
    client.force_login(alice)
    fields = {
        "access_mode": "identity_center", "identity_center_instance_arn": INSTANCE,
        "identity_center_identity_store_id": "d-1234567890",
        "identity_center_region": "eu-central-1", "identity_center_group_name_pattern": PATTERN,
    }  # fmt: skip
    mappings = [
        {"project_role": "admin", "role_name": "ProjectAdmin", "permission_set_arns": ADMIN_SET},
        {"project_role": "reader", "permission_set_arns": f"{READ_SET}\nnot-an-arn"},
    ]
    response = client.post("/platforms/new/", post_data(fields=fields, mappings=mappings))
    assert response.status_code == 400
    rows = response.context["editor"].role_mappings.forms
    assert "belongs to SAML mode" in rows[0].errors["role_name"][0]
    assert rows[1].errors["permission_set_arns"][0].startswith("line 2: is not a permission set")
    assert not PlatformInstance.objects.exists()


def test_the_form_keeps_saml_mode_when_the_choice_is_not_posted(
    client, alice, europe, metadata_xml
):
    client.force_login(alice)
    fields = {"identity_provider_name": "meshstack-idp", "identity_provider_metadata": metadata_xml}
    assert client.post("/platforms/new/", post_data(fields=fields)).status_code == 302
    assert PlatformInstance.objects.get().access_mode == "saml"


def test_switching_modes_shows_the_impact_before_saving(client, alice, acme, platform):
    for identifier in ("p0", "p1"):
        project = project_create(customer=acme, identifier=identifier, actor=None)
        project_account_create(project=project, platform=platform, actor=None)
    ReplicationRun.objects.update(status="succeeded")
    client.force_login(alice)
    data = edit_data(
        client, access_mode="identity_center", identity_center_instance_arn=INSTANCE,
        identity_center_identity_store_id="d-1234567890", identity_center_region="eu-central-1",
        identity_center_group_name_pattern=PATTERN,
    )  # fmt: skip
    for index in range(3):
        data.pop(f"rm-{index}-role_name")
        data.pop(f"rm-{index}-policy_arns", None)
        data[f"rm-{index}-permission_set_arns"] = ADMIN_SET
    response = client.post("/platforms/eu/aws-prod/edit/", data)
    assert response.status_code == 200, response.context["editor"].error_summary
    impact = response.context["impact"]
    assert impact.count == 2 and "platform settings" in impact.reasons
    assert any("stays in AWS" in reason for reason in impact.reasons)
    assert PlatformInstance.objects.get().access_mode == "saml"
    # The new instance and permission sets are checked before saving; aws-prod.eu reaches no
    # AWS here, so its check fails and only "save anyway" saves.
    checks = {check.name: check for check in response.context["checks"]}
    assert f"permission set {ADMIN_SET}" in checks and response.context["failed"]
    data["confirm_impact"] = "1"
    assert client.post("/platforms/eu/aws-prod/edit/", data).status_code == 400
    data["save_anyway"] = "1"
    assert client.post("/platforms/eu/aws-prod/edit/", data).status_code == 302
    assert PlatformInstance.objects.get().access_mode == "identity_center"


@pytest.mark.parametrize(
    ("role_name", "permission_set_arns"), [("", []), ("ProjectAdmin", [ADMIN_SET])]
)
def test_a_stored_mapping_has_a_role_name_or_permission_sets(
    platform, role_name, permission_set_arns
):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleMapping.objects.create(
            platform=platform, project_role="auditor", role_name=role_name,
            permission_set_arns=permission_set_arns,
        )  # fmt: skip
