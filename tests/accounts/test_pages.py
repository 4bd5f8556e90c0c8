"""The pages for customers, projects, bindings and enabling projects on platforms."""

import pytest

from accounts.models import Binding, Customer, Project, ProjectAccount
from accounts.services import binding_create


def test_it_creates_a_customer_and_a_project_from_the_pages(client, alice):
    client.force_login(alice)
    response = client.post("/customers/", {"identifier": "acme", "display_name": "ACME"})
    assert response.status_code == 302 and Customer.objects.filter(identifier="acme").exists()
    response = client.post(
        "/projects/new/", {"customer": "acme", "identifier": "web", "tags": "cost=42\nteam=shop"}
    )
    assert response.status_code == 302 and response["Location"] == "/projects/acme/web/"
    assert Project.objects.get().tags == {"cost": "42", "team": "shop"}


@pytest.mark.parametrize(
    ("identifier", "words"), [("a" * 17, "16"), ("Bad_Id", "lowercase"), ("a--b", "hyphen")]
)
def test_it_shows_the_rule_an_identifier_breaks(client, alice, identifier, words):
    client.force_login(alice)
    response = client.post("/customers/", {"identifier": identifier})
    assert response.status_code == 400
    assert words in " ".join(response.context["form"].errors["identifier"]).lower()


def test_it_binds_users_changes_their_role_and_removes_them(client, alice, web, admin_role):
    client.force_login(alice)
    assert (
        client.post(
            "/projects/acme/web/bindings/", {"user": "dev@example.com", "role": "admin"}
        ).status_code
        == 302
    )
    binding = Binding.objects.get()
    prefix = f"b{binding.pk}"
    client.post(
        f"/bindings/{binding.pk}/", {f"{prefix}-role": "reader", f"{prefix}-expires_at": ""}
    )
    binding.refresh_from_db()
    assert binding.role.identifier == "reader"
    client.post(f"/bindings/{binding.pk}/remove/")
    assert not Binding.objects.exists()


def test_it_enables_a_project_and_shows_the_account_pending(client, alice, web, platform):
    client.force_login(alice)
    response = client.post("/projects/acme/web/enable/", {"platform": platform.pk})
    assert response.status_code == 302
    page = client.get("/projects/acme/web/").content.decode()
    assert 'data-testid="status">queued<' in page and "aws+acme.web@meshcloud.io" in page
    again = client.post("/projects/acme/web/enable/", {"platform": platform.pk})
    assert again.status_code == 400 and "already has an account" in again.content.decode()
    assert ProjectAccount.objects.count() == 1


def test_it_filters_and_searches_projects(client, charlie, web, acme):
    from accounts.services import project_create

    project_create(customer=acme, identifier="billing", actor=None)
    client.force_login(charlie)
    page = client.get("/projects/", {"q": "bill"}).content.decode()
    assert "acme.billing" in page and "acme.web" not in page
    assert "acme.web" in client.get("/projects/", {"customer": "acme"}).content.decode()


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_support_and_auditors_only_read(client, request, persona, web, admin_role, platform):
    binding = binding_create(project=web, user="dev@example.com", role=admin_role, actor=None)
    client.force_login(request.getfixturevalue(persona))
    page = client.get("/projects/acme/web/").content.decode()
    assert (
        "dev@example.com" in page
        and 'data-testid="add-binding"' not in page
        and 'data-testid="enable"' not in page
    )
    assert 'data-testid="create-customer"' not in client.get("/customers/").content.decode()
    for url, data in (
        ("/customers/", {"identifier": "x"}), ("/projects/new/", {}), ("/projects/acme/web/edit/", {}),
        ("/projects/acme/web/bindings/", {}), ("/projects/acme/web/enable/", {}),
        (f"/bindings/{binding.pk}/", {}), (f"/bindings/{binding.pk}/remove/", {}),
    ):  # fmt: skip
        assert client.post(url, data).status_code == 403, url
    assert Binding.objects.count() == 1
