"""Platform records for the tests: the integration page's, and the complete example."""

import json
from pathlib import Path

import pytest
from django.conf import settings

DATA = Path(__file__).parent / "data"
# A copy of ../shared/reference/platform-example.json, the contract for the record's keys.
EXAMPLE_FILE = DATA / "platform-example.json"
SHARED_EXAMPLE_FILE = settings.BASE_DIR.parent / "shared" / "reference" / "platform-example.json"

# Distinctive secret values: the leak tests search every output for them.
ACCESS_KEY = "AKIALEAKCANARY000001"
SECRET_KEY = "leak-canary-secret-key-wJalrXUtnFEMI"
PRIVILEGED_EXTERNAL_ID = "leak-canary-privileged-0d6f7e2a-5b1c"
SECRETS = (ACCESS_KEY, SECRET_KEY, PRIVILEGED_EXTERNAL_ID)


@pytest.fixture
def metadata_xml() -> str:
    return (DATA / "idp-metadata.xml").read_text()


@pytest.fixture
def page_record() -> dict:
    """The integration page's record, as JSON."""
    return json.loads((DATA / "integration-page.json").read_text())


@pytest.fixture
def example_record(metadata_xml) -> dict:
    """The complete example record (every key meshaws knows), with literal secrets.

    The shared example's metadata document is a placeholder, not XML: a real one replaces it.
    """
    record = json.loads(EXAMPLE_FILE.read_text())
    record["meshfedServiceUser"] = {"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}
    record["privilegedExternalId"] = PRIVILEGED_EXTERNAL_ID
    record["identityProvider"]["metadataDocument"] = metadata_xml
    return record


@pytest.fixture
def location(db):
    from platforms.services import location_create

    return location_create(identifier="eu", display_name="Europe", actor=None)


@pytest.fixture
def platform(location, example_record):
    """The complete example, stored as platform aws-prod.eu."""
    from platforms.config_io import parse_record
    from platforms.services import platform_apply

    return platform_apply(
        location=location, record=parse_record(example_record), actor=None
    ).platform
