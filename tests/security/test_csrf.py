"""CSRF is enforced on every POST the site accepts, for a signed-in operator's browser session."""

import pytest
from django.test import Client
from django.urls import resolve

from accounts.models import Customer
from accounts.services import api_token_create

from .routes import example_urls


@pytest.fixture
def operator_browser(alice):
    """Alice's signed-in session, in a client that checks CSRF tokens like a real server."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    return client


def test_it_reaches_every_url_pattern_with_its_example_url(project_on_platform):
    urls = example_urls(project_on_platform)
    assert len(urls) > 150
    for route, url in urls:
        # Django reports a regular-expression route without its leading "^".
        assert resolve(url).route == route.replace("/^", "/"), (route, url)


def test_it_refuses_a_post_without_a_csrf_token_on_every_url(operator_browser, project_on_platform):
    # The browser holds the CSRF cookie, as a victim's would; a forged form cannot send the token.
    operator_browser.get("/")
    token = operator_browser.cookies["csrftoken"].value
    accepted = []
    for _, url in example_urls(project_on_platform):
        response = operator_browser.post(url, {"identifier": "csrf-probe"})
        if response.status_code != 403:
            accepted.append((url, response.status_code))
        elif b"CSRF" not in response.content:
            # Django's page and DRF's JSON name CSRF; the API docs page's bare 403 does not, so
            # the same POST with the token must get past the check (a GET-only view: 405).
            retried = operator_browser.post(url, HTTP_X_CSRFTOKEN=token)
            if retried.status_code == 403:
                accepted.append((url, "403 for another reason than CSRF"))
    assert not accepted, accepted


def test_it_refuses_a_session_api_post_without_the_csrf_token(operator_browser):
    response = operator_browser.post("/api/v1/customers/", {"identifier": "globex"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Customer.objects.filter(identifier="globex").exists()


def test_it_accepts_the_session_api_post_with_the_csrf_token(operator_browser):
    operator_browser.get("/")  # the page's sign-out form sets the CSRF cookie
    token = operator_browser.cookies["csrftoken"].value
    response = operator_browser.post(
        "/api/v1/customers/", {"identifier": "globex"}, HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201, response.content
    assert Customer.objects.filter(identifier="globex").exists()


def test_it_needs_no_csrf_token_from_an_api_token_client(alice):
    key = api_token_create(user=alice, actor=None)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/customers/", {"identifier": "globex"}, HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert response.status_code == 201, response.content
