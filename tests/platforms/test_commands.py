"""`import_platform`, `export_platform` and `rotate_secrets` as operators run them."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEvent
from platforms.models import Location, PlatformInstance
from tests.helpers import DATA, SECRETS


@pytest.fixture
def write(tmp_path):
    def write(record, name="platform.json"):
        path = tmp_path / name
        path.write_text(json.dumps(record) if not isinstance(record, str) else record)
        return str(path)

    return write


@pytest.mark.django_db
def test_it_imports_and_exports_the_page_record_equal(write, page_record, capsys):
    call_command("import_platform", write(page_record), "--location", "eu")
    assert "created platform aws-prod.eu" in capsys.readouterr().out
    call_command("export_platform", "aws-prod.eu")
    exported = json.loads(capsys.readouterr().out)
    assert {k: exported[k] for k in page_record if k != "meshfedServiceUser"} == {
        k: v for k, v in page_record.items() if k != "meshfedServiceUser"
    }


@pytest.mark.django_db
def test_it_imports_dhall_like_json(capsys):
    call_command("import_platform", str(DATA / "integration-page.dhall"), "--location", "eu")
    assert "created platform aws-prod.eu" in capsys.readouterr().out
    call_command("export_platform", "aws-prod.eu")
    exported = json.loads(capsys.readouterr().out)
    page = json.loads((DATA / "integration-page.json").read_text())
    assert {k: exported[k] for k in page if k != "meshfedServiceUser"} == {
        k: v for k, v in page.items() if k != "meshfedServiceUser"
    }


@pytest.mark.django_db
def test_it_is_an_idempotent_upsert(write, example_record, capsys):
    path = write(example_record)
    call_command("import_platform", path, "--location", "eu")
    events = AuditEvent.objects.count()
    call_command("import_platform", path, "--location", "eu")
    assert "aws-prod.eu unchanged" in capsys.readouterr().out
    assert AuditEvent.objects.count() == events
    example_record["region"] = "eu-west-1"
    call_command("import_platform", write(example_record))  # the location is found
    assert PlatformInstance.objects.get().region == "eu-west-1"


@pytest.mark.django_db
def test_an_exported_file_imports_back_without_secrets(write, example_record, capsys, tmp_path):
    call_command("import_platform", write(example_record), "--location", "eu")
    call_command("export_platform", "aws-prod.eu", "--output", str(tmp_path / "out.json"))
    exported = (tmp_path / "out.json").read_text()
    for secret in SECRETS:
        assert secret not in exported
    events = AuditEvent.objects.count()
    call_command("import_platform", str(tmp_path / "out.json"), "--location", "eu")
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_an_invalid_file_changes_nothing_and_lists_every_error(write, page_record):
    page_record["region"] = "mars-1"
    page_record["roleMappings"].append({"mapKey": "user", "mapValue": {"roleName": "bad name"}})
    with pytest.raises(CommandError) as failure:
        call_command("import_platform", write(page_record), "--location", "new-location")
    message = str(failure.value)
    assert "nothing changed" in message
    assert "region: " in message and "roleMappings[1].mapValue.roleName: " in message
    assert not Location.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_it_explains_unreadable_files(write, tmp_path):
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_platform", write("{oops", "bad.json"), "--location", "eu")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_platform", str(tmp_path / "missing.json"), "--location", "eu")


@pytest.mark.django_db
def test_it_asks_for_a_location_when_it_cannot_tell(write, page_record):
    Location.objects.create(identifier="eu", display_name="eu")
    Location.objects.create(identifier="us", display_name="us")
    with pytest.raises(CommandError, match="--location"):
        call_command("import_platform", write(page_record))


@pytest.mark.django_db
def test_it_resolves_env_secrets(write, page_record, monkeypatch):
    monkeypatch.setenv("MESHFED_ACCESS_KEY", "AKIAFROMTHEENVIRON01")
    page_record["meshfedServiceUser"]["accessKey"] = "env:MESHFED_ACCESS_KEY"
    call_command("import_platform", write(page_record), "--location", "eu")
    from platforms import secrets

    stored = PlatformInstance.objects.get().access_key_ciphertext
    assert secrets.decrypt(stored) == "AKIAFROMTHEENVIRON01"


@pytest.mark.django_db
def test_it_names_an_unknown_platform_on_export():
    with pytest.raises(CommandError, match="no platform 'nope.eu'"):
        call_command("export_platform", "nope.eu")
