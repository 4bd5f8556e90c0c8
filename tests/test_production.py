"""The production path: DEBUG off, collected static files, gunicorn serving the app."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from tests.helpers import free_port


def _get(url: str) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


@pytest.fixture
def production_env(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "MESHAWS_", "DATABASE_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="meshaws_site.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="production-like-secret-key-for-the-test-" + "x" * 20,
        MESHAWS_ENCRYPTION_KEYS=settings.MESHAWS_ENCRYPTION_KEYS[0],
        MESHAWS_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path}/production.sqlite3",
        REDIS_URL=settings.REDIS_URL,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        # Plain HTTP on loopback, with no TLS proxy in front to redirect to.
        DJANGO_SECURE_SSL_REDIRECT="false",
    )
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run([*manage, *command], cwd=settings.BASE_DIR, env=env, check=True,
                       capture_output=True, timeout=120)  # fmt: skip
    return env


def test_it_serves_pages_and_hashed_static_files_under_gunicorn(production_env):
    port = free_port()
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "meshaws_site.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "2"],
        cwd=settings.BASE_DIR, env=production_env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                status, body, _ = _get(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.1)
        assert status == 200 and b'"redis": "ok"' in body

        status, body, headers = _get(f"{base}/login/")
        assert status == 200
        assert headers["X-Frame-Options"] == "DENY"
        page = body.decode()
        css = page.split('rel="stylesheet" href="')[1].split('"')[0]
        assert css.startswith("/static/vendor/pico-2.1.1.min.") and css.count(".") > 3, css
        status, _, headers = _get(base + css)
        assert status == 200 and "max-age" in headers["Cache-Control"]

        status, body, _ = _get(f"{base}/nowhere")
        assert status in (302, 404) and b"Traceback" not in body
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=20)
