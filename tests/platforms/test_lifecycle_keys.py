"""The lifecycle keys: a landing zone's retirement settings, hierarchical OU assignment."""

import json

import pytest
from django.core.management import call_command

from accounts.services import project_account_create, project_create
from platforms.config_io import RecordInvalid, parse_record
from platforms.models import LandingZone, PlatformInstance
from replication.models import ReplicationRun
from tests.helpers import ZONES, edit_data, post_data

API = "/api/v1/platforms/aws-prod.eu"
TARGET = "ou-ab12-cdef3456"  # the example's default landing zone's target OU
RETIRED = "ou-ab12-0e1d2c3b"
HIERARCHICAL = "allowHierarchicalOrganizationalUnitAssignment"


def with_lifecycle(example_record: dict, **zone_keys) -> dict:
    """The example with hierarchical OU assignment and the default zone's retirement set."""
    zone = {
        "retiredOrganizationalUnit": RETIRED,
        "closeAccountOnDeletion": True,
        "automateDeletionApproval": True,
        **zone_keys,
    }
    first, *others = example_record["landingZones"]
    return {**example_record, HIERARCHICAL: True, "landingZones": [{**first, **zone}, *others]}


def errors_of(record: dict) -> dict[str, list[str]]:
    with pytest.raises(RecordInvalid) as invalid:
        parse_record(record)
    return invalid.value.errors


def test_left_out_they_keep_accounts_in_the_target_and_retirement_manual(example_record):
    record = parse_record(example_record)
    assert record.allow_hierarchical_ou_assignment is False
    zone = record.landing_zones[0]
    assert (zone.retired_organizational_unit, zone.close_account_on_deletion) == ("", False)
    assert zone.automate_deletion_approval is False


def test_they_are_read_stored_and_exported(example_record, location):
    from platforms.services import platform_apply

    record = parse_record(with_lifecycle(example_record))
    assert record.allow_hierarchical_ou_assignment is True
    platform = platform_apply(location=location, record=record, actor=None).platform
    platform.refresh_from_db()
    assert platform.allow_hierarchical_ou_assignment is True
    zone = LandingZone.objects.get(platform=platform, identifier="default")
    assert (zone.retired_organizational_unit, zone.close_account_on_deletion) == (RETIRED, True)
    assert zone.automate_deletion_approval is True
    other = LandingZone.objects.get(platform=platform, identifier="sandbox")
    assert (other.retired_organizational_unit, other.close_account_on_deletion) == ("", False)
    exported = record.as_dict()
    assert exported[HIERARCHICAL] is True
    assert exported["landingZones"][0]["retiredOrganizationalUnit"] == RETIRED
    assert exported["landingZones"][1]["retiredOrganizationalUnit"] is None


def test_the_root_is_a_retired_ou_too(example_record):
    record = parse_record(with_lifecycle(example_record, retiredOrganizationalUnit="r-ab12"))
    assert record.landing_zones[0].retired_organizational_unit == "r-ab12"


@pytest.mark.parametrize(
    ("zone_keys", "path", "words"),
    [
        ({"retiredOrganizationalUnit": TARGET}, "landingZones[0].retiredOrganizationalUnit",
         "targetOrganizationalUnit"),
        ({"retiredOrganizationalUnit": "ou-12"}, "landingZones[0].retiredOrganizationalUnit",
         "organizational unit id"),
        ({"retiredOrganizationalUnit": 7}, "landingZones[0].retiredOrganizationalUnit", "text"),
        ({"closeAccountOnDeletion": "yes"}, "landingZones[0].closeAccountOnDeletion",
         "true or false"),
        ({"automateDeletionApproval": 1}, "landingZones[0].automateDeletionApproval",
         "true or false"),
    ],
)  # fmt: skip
def test_a_bad_zone_value_is_refused_by_its_path(example_record, zone_keys, path, words):
    errors = errors_of(with_lifecycle(example_record, **zone_keys))
    assert list(errors) == [path] and words in errors[path][0], errors


def test_the_retired_ou_equal_to_the_target_says_so(example_record):
    errors = errors_of(with_lifecycle(example_record, retiredOrganizationalUnit=TARGET))
    message = errors["landingZones[0].retiredOrganizationalUnit"][0]
    assert TARGET in message and "another OU" in message


def test_a_bad_hierarchical_flag_is_refused_by_its_path(example_record):
    errors = errors_of({**example_record, HIERARCHICAL: "true"})
    assert errors == {HIERARCHICAL: ["must be true or false"]}


def test_they_round_trip_through_import_and_export_platform(example_record, tmp_path, capsys, db):
    source = tmp_path / "aws-prod.json"
    source.write_text(json.dumps(with_lifecycle(example_record)))
    call_command("import_platform", str(source), "--location", "eu")
    assert PlatformInstance.objects.get().allow_hierarchical_ou_assignment is True
    capsys.readouterr()
    call_command("export_platform", "aws-prod.eu")
    exported = json.loads(capsys.readouterr().out)
    assert exported[HIERARCHICAL] is True
    zone = exported["landingZones"][0]
    assert (zone["retiredOrganizationalUnit"], zone["closeAccountOnDeletion"]) == (RETIRED, True)
    assert zone["automateDeletionApproval"] is True
    source.write_text(json.dumps(exported))
    call_command("import_platform", str(source))
    assert "aws-prod.eu unchanged" in capsys.readouterr().out


def test_the_api_takes_shows_and_refuses_them_by_path(operator_api, location, example_record):
    response = operator_api.post(
        "/api/v1/platforms/",
        {"location": "eu", "config": with_lifecycle(example_record)},
        format="json",
    )
    assert response.status_code == 201, response.data
    config = operator_api.get(f"{API}/").data["config"]
    assert config[HIERARCHICAL] is True
    assert config["landingZones"][0]["retiredOrganizationalUnit"] == RETIRED
    config["landingZones"][0]["retiredOrganizationalUnit"] = TARGET
    response = operator_api.patch(f"{API}/", {"config": config}, format="json")
    assert response.status_code == 400
    assert "another OU" in response.data["config"]["landingZones[0].retiredOrganizationalUnit"][0]
    assert LandingZone.objects.get(identifier="default").retired_organizational_unit == RETIRED


def test_the_form_stores_them(client, alice, location):
    client.force_login(alice)
    zone = {
        **ZONES[0], "retired_organizational_unit": RETIRED,
        "close_account_on_deletion": "on", "automate_deletion_approval": "on",
    }  # fmt: skip
    response = client.post(
        "/platforms/new/",
        post_data(fields={"allow_hierarchical_ou_assignment": "on"}, zones=[zone]),
    )
    assert response.status_code == 302, response.context["editor"].error_summary
    platform = PlatformInstance.objects.get()
    assert platform.allow_hierarchical_ou_assignment is True
    stored = platform.landing_zones.get()
    assert (stored.retired_organizational_unit, stored.close_account_on_deletion) == (RETIRED, True)
    assert stored.automate_deletion_approval is True
    page = client.get(response["Location"]).content.decode()
    assert RETIRED in page and "requests approved at once" in page and "or an OU below it" in page


def test_the_form_puts_the_retired_ou_error_on_its_row(client, alice, location):
    client.force_login(alice)
    zone = {**ZONES[0], "retired_organizational_unit": TARGET}
    response = client.post("/platforms/new/", post_data(zones=[zone]))
    assert response.status_code == 400
    errors = response.context["editor"].landing_zones.forms[0].errors
    assert "another OU" in " ".join(errors["retired_organizational_unit"]), errors
    assert 'data-testid="error-lz-0-retired_organizational_unit"' in response.content.decode()
    assert not PlatformInstance.objects.exists()


@pytest.fixture
def accounts(acme, platform):
    return [
        project_account_create(
            project=project_create(customer=acme, identifier=f"p{number}", actor=None),
            platform=platform,
            actor=None,
        )  # fmt: skip
        for number in range(2)
    ]


def test_switching_hierarchical_assignment_resyncs_every_account(client, alice, accounts):
    ReplicationRun.objects.update(status="succeeded")
    client.force_login(alice)
    data = edit_data(client, allow_hierarchical_ou_assignment="on")
    preview = client.post("/platforms/eu/aws-prod/edit/", data)
    assert preview.status_code == 200
    assert preview.context["impact"].count == 2
    assert preview.context["impact"].reasons == {"platform settings"}
    data["confirm_impact"] = "1"
    assert client.post("/platforms/eu/aws-prod/edit/", data).status_code == 302
    pending = ReplicationRun.objects.filter(status="pending", trigger="configuration_changed")
    assert sorted(run.account_id for run in pending) == sorted(a.pk for a in accounts)


def test_retirement_settings_change_no_account_now(client, alice, accounts):
    ReplicationRun.objects.update(status="succeeded")
    client.force_login(alice)
    data = edit_data(client)
    data["lz-0-retired_organizational_unit"] = RETIRED
    data["lz-0-close_account_on_deletion"] = "on"
    response = client.post("/platforms/eu/aws-prod/edit/", data)
    assert response.status_code == 302  # no impact page: saved at once
    assert LandingZone.objects.get(identifier="default").close_account_on_deletion is True
    assert not ReplicationRun.objects.filter(status="pending").exists()
