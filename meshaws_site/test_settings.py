"""Settings for the test suite: the real settings, with test-only keys and fast hashing.

DATABASE_URL and REDIS_URL are honoured as in production (CI points them at PostgreSQL and
Redis); without REDIS_URL the tests start the embedded Redis on a socket of their own.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DJANGO_SECRET_KEY", "meshaws-test-secret-key")
os.environ.setdefault("MESHAWS_ENCRYPTION_KEYS", "dGVzdC1rZXktZm9yLW1lc2hhd3MtdGVzdHMtMDAwMDA=")
os.environ.setdefault("DJANGO_DEBUG", "false")
# Playwright drives the browser from the test thread's event loop; the ORM calls the tests
# make around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

TEST_REDIS_SOCKET = Path(tempfile.gettempdir()) / f"meshaws-test-redis-{os.getpid()}.sock"
EMBEDDED_TEST_REDIS = "REDIS_URL" not in os.environ
if EMBEDDED_TEST_REDIS:
    os.environ["REDIS_URL"] = f"unix://{TEST_REDIS_SOCKET}?db=0"

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False  # the test client and live server speak plain HTTP
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Serve static files from the source folders, as in development (no collectstatic in tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# A file, not memory, for SQLite's test database: the integration tests start real worker
# processes that must see it.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"meshaws-test-{os.getpid()}.sqlite3")
    }
