"""Health of the parts meshaws depends on: the database and Redis."""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection

OK = "ok"


def _failure(error: BaseException) -> str:
    first_line = (str(error).strip().splitlines() or [""])[0][:200]
    return f"unavailable: {type(error).__name__}: {first_line}".rstrip(": ")


def database_status() -> str:
    """ "ok", or why the database does not answer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means "not healthy", reported as such
        return _failure(error)
    return OK


def redis_status() -> str:
    """ "ok", or why the Redis at REDIS_URL does not answer."""
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except Exception as error:  # noqa: BLE001
        return _failure(error)
    finally:
        client.close()
    return OK


def service_status() -> dict[str, str]:
    """Every part's status by name."""
    return {"database": database_status(), "redis": redis_status()}
