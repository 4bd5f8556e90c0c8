"""Secrets at rest: encrypted with MultiFernet keys from the environment, shown as fingerprints.

The first key of MESHAWS_ENCRYPTION_KEYS encrypts; every key decrypts, so rotating means
putting a new key first, running `manage.py rotate_secrets`, then dropping the old key.

A fingerprint is an HMAC keyed with the server's SECRET_KEY: whoever reads one (an export, the
API, the audit log) cannot confirm a guess of the secret without that key. It stays the same
across restarts as long as SECRET_KEY does; `rotate_secrets` recomputes them after a change.
"""

from __future__ import annotations

import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac

FINGERPRINT_PREFIX = "hmac-sha256:"
# Fingerprints before they were keyed: a bare SHA-256 of the secret, which confirms guesses.
LEGACY_FINGERPRINT_PREFIX = "sha256:"
_FINGERPRINT_SALT = "meshaws.platforms.secrets.fingerprint"


class SecretUnreadable(Exception):
    """A stored secret that none of the configured keys can decrypt."""


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "MESHAWS_ENCRYPTION_KEYS must hold Fernet keys (32 url-safe base64-encoded bytes)"
        ) from error


def _keys() -> MultiFernet:
    return _fernet(tuple(settings.MESHAWS_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    """The ciphertext of `value` under the newest key."""
    return _keys().encrypt(value.encode()).decode()


def decrypt(ciphertext: str) -> str:
    """The plain value of a ciphertext made by `encrypt` under any configured key."""
    try:
        return _keys().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "a stored secret cannot be decrypted with MESHAWS_ENCRYPTION_KEYS; "
            "was a key removed before `manage.py rotate_secrets` ran?"
        ) from None


def rotate(ciphertext: str) -> str:
    """The same secret re-encrypted under the newest key."""
    try:
        return _keys().rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("a stored secret cannot be decrypted for rotation") from None


def fingerprint(value: str) -> str:
    """A short, stable HMAC under the server's key that tells secrets apart, revealing none."""
    if not value:
        return ""
    digest = salted_hmac(_FINGERPRINT_SALT, value, algorithm="sha256").hexdigest()
    return FINGERPRINT_PREFIX + digest[:16]


def is_fingerprint(text: str) -> bool:
    """Whether `text` looks like a fingerprint (keyed or legacy) rather than a secret value."""
    return text.startswith((FINGERPRINT_PREFIX, LEGACY_FINGERPRINT_PREFIX))
