"""Every page needs a signed-in user; only sign-in, the health check and the favicon are public."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Django admin's own sign-in page is public like ours.
PUBLIC = {"/login/", "/healthz", "/admin/login/", "/favicon.ico"}


def _pages(patterns=None, prefix=""):
    """Every URL of the site that takes no parameters."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(entry.pattern)
        if "<" in route or "(?P" in route or route.startswith("^"):
            continue
        if isinstance(entry, URLResolver):
            yield from _pages(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield "/" + prefix + route


PAGES = sorted(set(_pages()) - PUBLIC)


def test_it_finds_the_sections():
    for page in ("/", "/platforms/", "/projects/", "/accounts/", "/runs/", "/audit/"):
        assert page in PAGES


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_it_sends_anonymous_visitors_to_sign_in(client, page):
    response = client.get(page)
    if page.startswith("/api/"):
        # The API answers 401 with how to authenticate instead of redirecting.
        assert response.status_code == 401, page
        assert response["WWW-Authenticate"] == "Token"
        return
    assert response.status_code == 302, page
    assert "login/?next=" in response["Location"]


@pytest.mark.django_db
def test_it_serves_the_login_page_to_anyone(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert b'name="password"' in response.content


@pytest.mark.django_db
def test_it_signs_in_and_out(client, alice):
    response = client.post(
        "/login/", {"username": "alice", "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_it_refuses_a_wrong_password(client, alice):
    response = client.post("/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert client.get("/").status_code == 302
