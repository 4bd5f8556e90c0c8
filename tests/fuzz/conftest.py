"""Fixtures of the fuzz tests: an enabled project account, an operator's API client."""

import pytest

from tests.accounts.test_api import api_for


@pytest.fixture
def operator_api(alice):
    return api_for(alice)


@pytest.fixture
def web_account(acme, platform):
    """Project acme.web enabled on the example platform aws-prod.eu (not yet replicated)."""
    from accounts.services import project_account_create, project_create

    web = project_create(customer=acme, identifier="web", display_name="Web shop", actor=None)
    return project_account_create(project=web, platform=platform, actor=None)
