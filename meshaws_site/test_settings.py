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


def _worker_redis_url(url: str, owner: str) -> str:
    """Under pytest-xdist, worker gwN uses database number base + N of the given Redis: the
    tests flush their queues, and two workers must never flush each other's."""
    if not owner.startswith("gw"):
        return url
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = dict(parse_qsl(parts.query))
        query["db"] = str((int(query.get("db", 0)) + int(owner[2:])) % 16)
        # urlunsplit would drop the empty host ("unix:/path"), which redis-py refuses.
        return f"unix://{parts.path}?{urlencode(query)}"
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base + int(owner[2:])) % 16}"))


TEST_REDIS_SOCKET = Path(tempfile.gettempdir()) / f"meshaws-test-redis-{os.getpid()}.sock"
# Which test process this is: an xdist worker, or the one process without xdist. A process a
# test starts (a worker, say) inherits MESHAWS_TEST_REDIS_FOR of its test's process and keeps
# the REDIS_URL it was given; xdist workers, started by the controller, choose their own.
_OWNER = os.environ.get("PYTEST_XDIST_WORKER", "main")
if os.environ.get("MESHAWS_TEST_REDIS_FOR") != _OWNER:
    # The REDIS_URL of whoever ran pytest ("": none, the embedded Redis), kept for the workers.
    os.environ.setdefault("MESHAWS_TEST_REDIS_GIVEN", os.environ.get("REDIS_URL", ""))
    _given = os.environ["MESHAWS_TEST_REDIS_GIVEN"]
    os.environ["REDIS_URL"] = (
        _worker_redis_url(_given, _OWNER) if _given else f"unix://{TEST_REDIS_SOCKET}?db=0"
    )
    os.environ["MESHAWS_TEST_REDIS_FOR"] = _OWNER
# Without REDIS_URL, each test process starts the embedded Redis on a socket of its own.
EMBEDDED_TEST_REDIS = not os.environ.get("MESHAWS_TEST_REDIS_GIVEN", "")

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
