"""The new-project form links to creating a customer, and the customer page sends you back."""

import pytest

from accounts.models import Customer


def test_the_new_project_form_links_to_creating_a_customer(client, alice):
    client.force_login(alice)
    page = client.get("/projects/new/").content.decode()
    assert (
        'href="/customers/?next=%2Fprojects%2Fnew%2F#new-customer" data-testid="new-customer"'
        in page
    )


def test_support_staff_see_no_such_link(client, bob):
    client.force_login(bob)
    assert client.get("/projects/new/").status_code == 403


def test_creating_the_customer_returns_to_the_new_project_form_with_it_chosen(client, alice):
    client.force_login(alice)
    page = client.get("/customers/?next=/projects/new/").content.decode()
    assert '<input type="hidden" name="next" value="/projects/new/">' in page
    response = client.post("/customers/", {"identifier": "acme", "next": "/projects/new/"})
    assert response.status_code == 302 and response["Location"] == "/projects/new/?customer=acme"
    form = client.get(response["Location"]).content.decode()
    assert '<option value="acme" selected>' in form


def test_a_refused_customer_keeps_the_way_back(client, alice):
    client.force_login(alice)
    response = client.post("/customers/", {"identifier": "Bad_Id", "next": "/projects/new/"})
    assert response.status_code == 400
    assert 'name="next" value="/projects/new/"' in response.content.decode()


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/\\evil"]
)
def test_it_never_sends_you_off_the_site(client, alice, next_url):
    client.force_login(alice)
    response = client.post("/customers/", {"identifier": "acme", "next": next_url})
    assert response.status_code == 302 and response["Location"] == "/customers/acme/"
    assert Customer.objects.filter(identifier="acme").exists()
