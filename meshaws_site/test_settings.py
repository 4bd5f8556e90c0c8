"""Settings for the test suite: the real settings, with test-only keys and fast hashing.

DATABASE_URL and REDIS_URL are honoured as in production (CI points them at PostgreSQL and
Redis); without REDIS_URL the tests start the embedded Redis on a socket of their own.
"""

import os
import tempfile
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

os.environ.setdefault("DJANGO_SECRET_KEY", "meshaws-test-secret-key")
os.environ.setdefault("MESHAWS_ENCRYPTION_KEYS", "dGVzdC1rZXktZm9yLW1lc2hhd3MtdGVzdHMtMDAwMDA=")
os.environ.setdefault("DJANGO_DEBUG", "false")
# Playwright drives the browser from the test thread's event loop; the ORM calls the tests
# make around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _worker_redis_url(url: str) -> str:
    """Under pytest-xdist, worker gwN uses database number base + N of the given Redis: the
    tests flush their queues, and two workers must never flush each other's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    # Processes a test starts inherit the marker and keep the REDIS_URL they were given.
    if not worker.startswith("gw") or os.environ.get("MESHAWS_TEST_REDIS_PER_WORKER"):
        return url
    os.environ["MESHAWS_TEST_REDIS_PER_WORKER"] = "1"
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = dict(parse_qsl(parts.query))
        query["db"] = str((int(query.get("db", 0)) + int(worker[2:])) % 16)
        return urlunsplit(parts._replace(query=urlencode(query)))
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base + int(worker[2:])) % 16}"))


TEST_REDIS_SOCKET = Path(tempfile.gettempdir()) / f"meshaws-test-redis-{os.getpid()}.sock"
EMBEDDED_TEST_REDIS = "REDIS_URL" not in os.environ
if EMBEDDED_TEST_REDIS:
    os.environ["REDIS_URL"] = f"unix://{TEST_REDIS_SOCKET}?db=0"
else:
    os.environ["REDIS_URL"] = _worker_redis_url(os.environ["REDIS_URL"])

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
