"""Security headers on every response, and the HTTPS-only settings production starts with."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client, override_settings

POLICY = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'",
    "img-src": "'self' data:", "object-src": "'none'", "base-uri": "'self'",
    "form-action": "'self'", "frame-ancestors": "'none'",
}  # fmt: skip


def policy(response) -> dict[str, str]:
    directives = (
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    return {name: value for name, value in directives}


def test_it_sends_the_strict_policy_to_anonymous_visitors(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert policy(response) == POLICY


def test_it_sends_the_strict_policy_to_signed_in_users(client, alice):
    client.force_login(alice)
    response = client.get("/")
    assert response.status_code == 200
    assert policy(response) == POLICY


def test_it_forbids_framing_sniffing_and_cross_site_referrers(client, alice):
    client.force_login(alice)
    for page in ("/login/", "/", "/api/v1/"):
        response = client.get(page)
        assert response["X-Frame-Options"] == "DENY", page
        assert response["Referrer-Policy"] == "same-origin", page
        assert response["X-Content-Type-Options"] == "nosniff", page


def test_it_allows_inline_styles_on_the_api_docs_page_only(client, alice):
    client.force_login(alice)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert policy(response) == {**POLICY, "style-src": "'self' 'unsafe-inline'"}
    # Swagger UI's start-up script comes from the same URL, not from an inline <script>.
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


def _production_settings(tmp_path, **env) -> dict:
    """The settings a fresh production process (DJANGO_DEBUG off, nothing else set) ends up with."""
    names = [
        "DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_SSL_REDIRECT", "SECURE_REDIRECT_EXEMPT",
    ]  # fmt: skip
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}}))"
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "MESHAWS_", "DATABASE_URL"))
    }
    started = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "meshaws_site.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "production-like-secret-key-for-the-test-" + "x" * 20,
            "MESHAWS_ENCRYPTION_KEYS": settings.MESHAWS_ENCRYPTION_KEYS[0],
            "MESHAWS_VAR_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 0, started.stderr
    return json.loads(started.stdout.strip().splitlines()[-1])


@pytest.fixture
def production(tmp_path):
    values = _production_settings(tmp_path)
    values.pop("DEBUG")
    return values


def test_production_starts_https_only_with_secure_cookies(production):
    assert production == {
        "SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax", "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True, "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SECURE_SSL_REDIRECT": True,
        "SECURE_REDIRECT_EXEMPT": ["^healthz$"],
    }  # fmt: skip


def test_production_can_leave_redirects_to_the_proxy(tmp_path):
    started = _production_settings(tmp_path, DJANGO_SECURE_SSL_REDIRECT="false")
    assert started["SECURE_SSL_REDIRECT"] is False
    assert started["SECURE_HSTS_SECONDS"] == 31536000


def test_development_sends_no_hsts_and_does_not_redirect(tmp_path):
    started = _production_settings(tmp_path, DJANGO_DEBUG="true")
    assert started["DEBUG"] is True
    assert started["SECURE_HSTS_SECONDS"] == 0
    assert started["SECURE_SSL_REDIRECT"] is False


def test_production_redirects_plain_http_except_the_health_check(production, db):
    with override_settings(**production):
        client = Client()
        response = client.get("/login/")
        assert response.status_code == 301
        assert response["Location"] == "https://testserver/login/"
        assert client.get("/healthz").status_code in (200, 503)


def test_production_sends_hsts_over_https(production, db):
    with override_settings(**production):
        response = Client().get("/login/", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_production_cookies_are_secure_httponly_and_same_site(production, alice):
    with override_settings(**production):
        client = Client()
        client.get("/login/", secure=True)
        token = client.cookies["csrftoken"].value
        response = client.post(
            "/login/",
            {
                "username": "alice",
                "password": "correct-horse-battery-staple",
                "csrfmiddlewaretoken": token,
            },
            secure=True,
        )
    assert response.status_code == 302
    for name in ("csrftoken", "sessionid"):
        cookie = response.cookies[name]  # signing in sets a new session and CSRF token
        assert cookie["secure"] is True, name
        assert cookie["httponly"] is True, name
        assert cookie["samesite"] == "Lax", name
