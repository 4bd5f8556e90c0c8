"""Display names refuse the bidirectional control characters that make text display in another
order than it is stored ("Trojan Source"): through the API, the pages, import and the services,
with a message naming the field."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Customer, Project, ProjectRole
from accounts.services import customer_create, project_create, project_role_create
from platforms import patterns
from platforms.forms import PlatformForm
from platforms.models import LandingZone, Location, PlatformInstance
from platforms.services import location_create

# U+202A..U+202E (embeddings, overrides, pop) and U+2066..U+2069 (isolates, pop).
BIDI_CONTROLS = [chr(code) for code in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]]
# Reads "ACME txt.exe" but is stored as "ACME exe.txt" reversed by the override.
SPOOFED = "ACME \u202etxt.exe"


@pytest.mark.parametrize("char", BIDI_CONTROLS)
def test_the_validator_refuses_every_bidi_control(char):
    with pytest.raises(ValidationError, match=f"U\\+{ord(char):04X}"):
        patterns.validate_display_name(f"Web {char}shop")


@pytest.mark.parametrize("name", ["", "Web shop", "متجر الويب", "חנות", "Café \u200f(RLM)", "🚀"])
def test_the_validator_takes_names_in_any_script(name):
    patterns.validate_display_name(name)


@pytest.fixture
def web_shop(acme):
    return project_create(customer=acme, identifier="web", display_name="Web shop", actor=None)


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "/api/v1/customers/", {"identifier": "globex", "display_name": SPOOFED}),
        ("patch", "/api/v1/customers/acme/", {"display_name": SPOOFED}),
        (
            "post",
            "/api/v1/projects/",
            {"customer": "acme", "identifier": "api", "display_name": SPOOFED},
        ),
        ("patch", "/api/v1/projects/acme.web/", {"display_name": SPOOFED}),
        ("post", "/api/v1/locations/", {"identifier": "us", "display_name": SPOOFED}),
        ("patch", "/api/v1/platforms/aws-prod.eu/", {"display_name": SPOOFED}),
    ],
)
def test_the_api_refuses_a_bidi_display_name_naming_the_field(
    operator_api, web_shop, platform, method, url, body
):
    response = getattr(operator_api, method)(url, body, format="json")
    assert response.status_code == 400, response.content
    assert list(response.data) == ["display_name"]
    assert "U+202E" in response.data["display_name"][0]
    assert not any(
        SPOOFED in name
        for model in (Customer, Project, Location, PlatformInstance)
        for name in model.objects.values_list("display_name", flat=True)
    )


def test_the_api_refuses_a_bidi_landing_zone_name_by_its_path(
    operator_api, location, example_record
):
    example_record["landingZones"][0]["displayName"] = SPOOFED
    response = operator_api.post(
        "/api/v1/platforms/", {"location": "eu", "config": example_record}, format="json"
    )
    assert response.status_code == 400
    assert "U+202E" in response.data["config"]["landingZones[0].displayName"][0]


def test_import_refuses_a_bidi_landing_zone_name_by_its_path(location, example_record, tmp_path):
    example_record["landingZones"][0]["displayName"] = SPOOFED
    path = tmp_path / "platform.json"
    path.write_text(json.dumps(example_record))
    with pytest.raises(CommandError, match=r"landingZones\[0\]\.displayName: .*U\+202E"):
        call_command("import_platform", str(path), "--location", "eu")
    assert not LandingZone.objects.exists()


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/customers/", {"identifier": "globex", "display_name": SPOOFED}),
        ("/platforms/locations/", {"identifier": "us", "display_name": SPOOFED}),
    ],
)
def test_the_pages_refuse_a_bidi_display_name(client, alice, url, body):
    client.force_login(alice)
    response = client.post(url, body)
    assert response.status_code == 400
    assert "U+202E" in response.content.decode()
    assert not Customer.objects.filter(identifier="globex").exists()
    assert not Location.objects.filter(identifier="us").exists()


def test_the_platform_form_refuses_a_bidi_display_name(location):
    form = PlatformForm({"location": "eu", "identifier": "aws", "display_name": SPOOFED})
    form.is_valid()
    assert "U+202E" in form.errors["display_name"][0]


def test_the_services_refuse_a_bidi_display_name_naming_the_field(acme):
    writes = [
        lambda: customer_create(identifier="globex", display_name=SPOOFED, actor=None),
        lambda: project_create(customer=acme, identifier="api", display_name=SPOOFED, actor=None),
        lambda: project_role_create(identifier="owner", display_name=SPOOFED, actor=None),
        lambda: location_create(identifier="us", display_name=SPOOFED, actor=None),
    ]
    for write in writes:
        with pytest.raises(ValidationError) as refused:
            write()
        assert list(refused.value.message_dict) == ["display_name"]
    assert not ProjectRole.objects.filter(identifier="owner").exists()
