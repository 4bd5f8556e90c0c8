"""The operator pages for platforms, and what support staff and auditors may see."""

import json

import pytest

from audit.models import AuditEvent
from platforms.models import Location, PlatformInstance
from tests.helpers import DATA, MAPPINGS, post_data


@pytest.fixture
def europe(db):
    return Location.objects.create(identifier="eu", display_name="Europe")


def test_it_creates_a_platform_from_the_form(client, alice, europe):
    client.force_login(alice)
    response = client.post("/platforms/new/", post_data(fields={"reason": "first platform"}))
    assert response.status_code == 302 and response["Location"] == "/platforms/eu/aws-dev/"
    platform = PlatformInstance.objects.get()
    assert [m.role_name for m in platform.role_mappings.all()] == ["ProjectAdmin", "ProjectReader"]
    assert platform.role_mappings.first().policy_arns == [
        "arn:aws:iam::aws:policy/AdministratorAccess"
    ]
    assert platform.landing_zones.get().target_organizational_unit == "ou-ab12-cdef3456"
    event = AuditEvent.objects.get(action="platform.create")
    assert event.actor == alice and event.remark == "first platform"
    page = client.get(response["Location"]).content.decode()
    assert "acme-acme-web-shop" in page and "ProjectReader" in page


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"account_email_template": "aws+%s@meshcloud.iox"}, "account_email_template", "65"),
        ({"account_alias_pattern": "acme!<customer>-<project>"}, "account_alias_pattern", "!"),
        ({"organization_root_account_role": "arn:aws:iam::123456789012:user/x"},
         "organization_root_account_role", "user"),
        ({"region": "eu-middle-7"}, "region", "eu-middle-7"),
        ({"access_key": ""}, "access_key", "required"),
        ({"organization_root_account_external_id": "x"}, "organization_root_account_external_id", "2"),
    ],
)  # fmt: skip
def test_it_puts_each_error_on_its_field(client, alice, europe, fields, field, words):
    client.force_login(alice)
    response = client.post("/platforms/new/", post_data(fields=fields))
    assert response.status_code == 400
    errors = response.context["editor"].form.errors
    assert field in errors and words in " ".join(errors[field]), errors
    assert not PlatformInstance.objects.exists()
    assert f'data-testid="error-{field}"' in response.content.decode()


def test_it_puts_role_mapping_and_landing_zone_errors_on_their_rows(client, alice, europe):
    client.force_login(alice)
    mappings = [
        MAPPINGS[0],
        {"project_role": "user", "role_name": "bad name", "policy_arns": "nope"},
    ]
    zones = [{"identifier": "default", "display_name": "D", "target_organizational_unit": "ou-12"}]
    response = client.post("/platforms/new/", post_data(mappings=mappings, zones=zones))
    assert response.status_code == 400
    editor = response.context["editor"]
    assert "role_name" in editor.role_mappings.forms[1].errors
    assert editor.role_mappings.forms[1].errors["policy_arns"][0].startswith("line 1:")
    assert "target_organizational_unit" in editor.landing_zones.forms[0].errors
    summary = dict(editor.error_summary)
    assert "Role mapping 2, IAM role name" in summary


def test_it_keeps_secrets_left_empty_on_edit(client, alice, platform):
    # A change that sends no secret anywhere new (see test_secret_destinations for the others).
    client.force_login(alice)
    page = client.get("/platforms/eu/aws-prod/edit/")
    assert page.status_code == 200
    editor = page.context["editor"]
    data = {name: ("" if value is None else value) for name, value in editor.form.initial.items()}
    data.update(
        {"access_key": "", "secret_key": "", "privileged_external_id": "", "tag_prefix": "mc_"}
    )
    mappings = [{**row, "policy_arns": row["policy_arns"]} for row in editor.role_mappings.initial]
    zones = [
        {key: value for key, value in row.items() if value not in (None, False)}
        for row in editor.landing_zones.initial
    ]
    response = client.post(
        "/platforms/eu/aws-prod/edit/",
        post_data(fields=data, mappings=mappings, zones=zones,
                  initial_mappings=len(mappings), initial_zones=len(zones)),
    )  # fmt: skip
    assert response.status_code == 302, (
        response.context and response.context["editor"].error_summary
    )
    platform.refresh_from_db()
    assert platform.tag_prefix == "mc_"
    event = AuditEvent.objects.get(action="platform.update")
    assert event.before["meshfedServiceUser"] == event.after["meshfedServiceUser"]
    changed = [key for key in event.after if event.before[key] != event.after[key]]
    assert changed == ["tagPrefix"]


def test_it_previews_patterns_while_typing(client, alice):
    client.force_login(alice)
    page = client.get(
        "/platforms/preview/",
        {"account_email_template": "aws+%s@meshcloud.io", "account_alias_pattern": "acme.<project>-<customer>",
         "customer_identifier_length": "16", "project_identifier_length": "30"},
    ).content.decode()  # fmt: skip
    assert "aws+acme.web-shop@meshcloud.io" in page and "(64 characters)" in page
    assert "acme-web-shop-acme" in page
    bad = client.get("/platforms/preview/", {"account_email_template": "aws+%s@meshcloud.iox"})
    assert "65" in bad.content.decode()


def test_it_exports_and_imports_from_the_pages(client, alice, europe):
    client.force_login(alice)
    with open(DATA / "integration-page.json", "rb") as upload:
        response = client.post("/platforms/import/", {"file": upload, "location": "eu"})
    assert response.status_code == 302
    download = client.get("/platforms/eu/aws-prod/export.json")
    assert download["Content-Disposition"] == 'attachment; filename="aws-prod.eu.json"'
    assert json.loads(download.content)["platform"] == "aws-prod"


def test_it_lists_every_import_error(client, alice, europe, page_record, tmp_path):
    client.force_login(alice)
    page_record["region"] = "mars-1"
    page_record["meshfedServiceUser"]["accessKey"] = "env:DJANGO_SECRET_KEY"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(page_record))
    with open(path, "rb") as upload:
        response = client.post("/platforms/import/", {"file": upload, "location": "eu"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "region: " in page and "meshfedServiceUser.accessKey: env:NAME" in page
    assert not PlatformInstance.objects.exists()


def test_it_deletes_after_confirmation(client, alice, platform):
    client.force_login(alice)
    assert client.get("/platforms/eu/aws-prod/delete/").status_code == 200
    response = client.post("/platforms/eu/aws-prod/delete/", {"reason": "gone"})
    assert response.status_code == 302 and not PlatformInstance.objects.exists()


def test_it_creates_locations(client, alice):
    client.force_login(alice)
    assert (
        client.post("/platforms/locations/", {"identifier": "us", "display_name": "US"}).status_code
        == 302
    )
    response = client.post("/platforms/locations/", {"identifier": "Bad Name"})
    assert response.status_code == 400 and "identifier" in response.context["errors"]


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_it_shows_support_and_auditors_the_pages_read_only(client, request, persona, platform):
    client.force_login(request.getfixturevalue(persona))
    for page in ("/platforms/", "/platforms/eu/aws-prod/", "/platforms/locations/"):
        response = client.get(page)
        assert response.status_code == 200
        html = response.content.decode()
        for control in ('data-testid="edit"', 'data-testid="delete"', 'data-testid="new-platform"',
                        'type="password"', "New location"):  # fmt: skip
            assert control not in html, (page, control)
    assert client.get("/platforms/eu/aws-prod/export.json").status_code == 200
    for url in ("/platforms/new/", "/platforms/import/", "/platforms/eu/aws-prod/edit/",
                "/platforms/eu/aws-prod/delete/"):  # fmt: skip
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url
    assert client.post("/platforms/locations/", {"identifier": "x"}).status_code == 403


def test_it_answers_404_for_an_unknown_platform(client, alice):
    client.force_login(alice)
    assert client.get("/platforms/eu/nope/").status_code == 404
