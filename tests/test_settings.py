"""Production settings refuse to start without their secrets; development has defaults."""

import os
import subprocess
import sys

from django.conf import settings

CHECK = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DATABASES['default']['ENGINE'])"
)


def _start(**env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "MESHAWS_", "DATABASE_URL"))
    }
    return subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=settings.BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "meshaws_site.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_production_without_a_secret_key(tmp_path):
    started = _start(DJANGO_DEBUG="false", MESHAWS_VAR_DIR=str(tmp_path))
    assert started.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off" in started.stderr


def test_it_refuses_production_without_encryption_keys(tmp_path):
    started = _start(
        DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 50, MESHAWS_VAR_DIR=str(tmp_path)
    )
    assert started.returncode != 0
    assert "MESHAWS_ENCRYPTION_KEYS is required" in started.stderr


def test_it_starts_in_development_on_sqlite_under_var(tmp_path):
    started = _start(DJANGO_DEBUG="true", MESHAWS_VAR_DIR=str(tmp_path))
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "django.db.backends.sqlite3"


def test_it_takes_the_database_from_database_url(tmp_path):
    started = _start(DJANGO_DEBUG="true", DATABASE_URL="postgres://u@db.example:5432/meshaws")
    assert started.stdout.strip() == "django.db.backends.postgresql"


def test_the_development_encryption_key_is_a_valid_fernet_key():
    from cryptography.fernet import Fernet

    from meshaws_site import settings as site_settings

    Fernet(site_settings._DEV_ENCRYPTION_KEY)
    Fernet(settings.MESHAWS_ENCRYPTION_KEYS[0])
