"""Fixtures of the fuzz tests: an enabled project account and the objects around it."""

import pytest

from accounts.models import ProjectRole
from accounts.services import binding_create, project_account_create, project_create


@pytest.fixture
def web_account(acme, platform):
    """Project acme.web enabled on the example platform aws-prod.eu (not yet replicated)."""
    web = project_create(customer=acme, identifier="web", display_name="Web shop", actor=None)
    return project_account_create(project=web, platform=platform, actor=None)


@pytest.fixture
def world(web_account):
    """One object of each kind to update (acme, acme.web, its binding and account on
    aws-prod.eu), and acme.shop, a project without an account."""
    admin = ProjectRole.objects.get(identifier="admin")
    binding = binding_create(
        project=web_account.project, user="dev@example.com", role=admin, actor=None
    )
    project_create(customer=web_account.project.customer, identifier="shop", actor=None)
    return {"binding": binding.pk, "account": web_account.pk}
