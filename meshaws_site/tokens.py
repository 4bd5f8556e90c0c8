"""API tokens: random keys handed out once, known to the database only by their SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from rest_framework import authentication, exceptions

from .models import ApiToken


def new_key() -> str:
    """A new token key: 160 random bits as 40 hex digits (the format DRF's tokens had)."""
    return secrets.token_hex(20)


def digest_of(key: str) -> str:
    """The SHA-256 of a key, as stored: enough for a lookup, useless to present."""
    return hashlib.sha256(key.encode()).hexdigest()


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`, looked up by the key's digest."""

    def authenticate_credentials(self, key: str):
        token = ApiToken.objects.select_related("user").filter(digest=digest_of(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        return token.user, token
