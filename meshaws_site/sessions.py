"""Sessions kept in the database and read through the Redis cache (SESSION_ENGINE).

A page that polls every few seconds (static/live.js) then costs no session query. The database
stays the record: with Redis down every read falls back to it and no request fails, and a
cached copy lives at most CACHE_SECONDS, so a session ended while Redis was away (a sign-out
whose cache delete failed) cannot come back for longer than that.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends import cached_db

logger = logging.getLogger("django.contrib.sessions")

CACHE_SECONDS = 300


class SessionStore(cached_db.SessionStore):
    """cached_db whose cache errors fall back to the database instead of failing the request."""

    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # noqa: BLE001 - the database answers instead
            logger.warning("session cache unavailable (%s): reading the database", self._cache)
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        self._cache_set(data, self.get_expiry_age(expiry=stored.expire_date))
        return data

    def save(self, must_create=False):
        super(cached_db.SessionStore, self).save(must_create)
        self._cache_set(self._session, self.get_expiry_age())

    def delete(self, session_key=None):
        super(cached_db.SessionStore, self).delete(session_key)
        session_key = session_key or self.session_key
        if session_key is None:
            return
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except Exception:  # noqa: BLE001 - the copy expires within CACHE_SECONDS
            logger.exception("could not remove a session from the cache (%s)", self._cache)

    def exists(self, session_key):
        try:
            cached = bool(session_key) and (self.cache_key_prefix + session_key) in self._cache
        except Exception:  # noqa: BLE001 - the database answers instead
            cached = False
        return cached or super(cached_db.SessionStore, self).exists(session_key)

    def _cache_set(self, data, expiry_age: int) -> None:
        try:
            self._cache.set(self.cache_key, data, min(expiry_age, CACHE_SECONDS))
        except Exception:  # noqa: BLE001 - the database keeps the session
            logger.exception("could not cache a session (%s)", self._cache)
