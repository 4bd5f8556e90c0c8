"""Customers, projects and a platform to enable them on."""

import pytest

from accounts.models import ProjectRole
from accounts.services import customer_create, project_create
from tests.platforms.conftest import example_record, location, metadata_xml, platform  # noqa: F401


@pytest.fixture
def acme(db):
    return customer_create(identifier="acme", display_name="ACME", actor=None)


@pytest.fixture
def web(acme):
    return project_create(customer=acme, identifier="web", display_name="Web shop", actor=None)


@pytest.fixture
def admin_role(db):
    return ProjectRole.objects.get(identifier="admin")


@pytest.fixture
def reader_role(db):
    return ProjectRole.objects.get(identifier="reader")
