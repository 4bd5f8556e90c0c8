"""accountAccessRole is what CreateAccount's RoleName accepts: a bare role name, no path."""

import pytest

from platforms.config_io import RecordInvalid, parse_record
from platforms.models import Location, PlatformInstance
from tests.helpers import post_data

PATHS = ["/meshcloud/MeshstackAccountAccessRole", "meshcloud/MeshstackAccountAccessRole"]


def errors_of(record) -> dict[str, list[str]]:
    with pytest.raises(RecordInvalid) as invalid:
        parse_record(record)
    return invalid.value.errors


@pytest.mark.parametrize("role", PATHS)
def test_it_refuses_a_path_in_a_platform_file_naming_the_field(page_record, role):
    errors = errors_of({**page_record, "accountAccessRole": role})
    assert list(errors) == ["accountAccessRole"]
    assert "without a path" in errors["accountAccessRole"][0]
    assert "CreateAccount's RoleName" in errors["accountAccessRole"][0]


def test_it_keeps_accepting_a_bare_role_name(page_record):
    record = parse_record({**page_record, "accountAccessRole": "MeshstackAccountAccessRole"})
    assert record.account_access_role == "MeshstackAccountAccessRole"


@pytest.mark.parametrize("role", PATHS)
def test_it_puts_the_path_error_on_the_form_field(client, alice, db, role):
    Location.objects.create(identifier="eu", display_name="Europe")
    client.force_login(alice)
    response = client.post("/platforms/new/", post_data(fields={"account_access_role": role}))
    assert response.status_code == 400
    errors = response.context["editor"].form.errors
    assert "without a path" in " ".join(errors["account_access_role"]), errors
    assert 'data-testid="error-account_access_role"' in response.content.decode()
    assert not PlatformInstance.objects.exists()
