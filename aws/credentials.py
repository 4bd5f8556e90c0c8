"""Credentials meshaws starts from: a key pair, boto3's default chain, a web identity token."""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import stat
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import botocore.session

from .errors import AwsError, mapped_errors


@dataclass(frozen=True)
class Credentials:
    """An access key pair, with the session token and expiry of assumed-role credentials."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    expiration: datetime | None = None

    def __repr__(self) -> str:  # never let a secret reach a log line through repr()
        return f"Credentials(access_key_id={self.access_key_id!r}, expiration={self.expiration!r})"


# -- boto3's default chain ---------------------------------------------------------------------

_default_chain: Any = None
_default_chain_lock = threading.Lock()
RESOLVE_CREDENTIALS = "ResolveCredentials"


def default_chain_credentials() -> Credentials:
    """The credentials of boto3's default chain: AWS_* variables, a profile (SSO too), a
    container or instance role, AWS_WEB_IDENTITY_TOKEN_FILE.

    Resolved once per process (and again after `forget_default_chain`); temporary credentials
    refresh themselves before they expire, as boto3's do.
    """
    global _default_chain
    with _default_chain_lock, mapped_errors(RESOLVE_CREDENTIALS):
        if _default_chain is None:
            # botocore's resolver is boto3's chain; a session of its own lets tests and a
            # changed environment resolve it again without rebuilding the shared Session.
            _default_chain = botocore.session.Session().get_credentials()
        found = _default_chain
    if found is None:
        raise AwsError(
            RESOLVE_CREDENTIALS, "NoCredentials",
            "boto3's default credential chain found no credentials (no AWS_* environment, "
            "profile, container or instance role)", transient=False,
        )  # fmt: skip
    with mapped_errors(RESOLVE_CREDENTIALS):
        frozen = found.get_frozen_credentials()
    return Credentials(frozen.access_key, frozen.secret_key, frozen.token or None)


def default_chain_method() -> str:
    """Which link of the default chain gave the credentials (botocore's name, e.g. "env")."""
    return getattr(_default_chain, "method", "") or ""


def forget_default_chain() -> None:
    """Resolve the default chain again at its next use (a changed environment)."""
    global _default_chain
    with _default_chain_lock:
        _default_chain = None


# -- the web identity token --------------------------------------------------------------------

ASSUME_WITH_WEB_IDENTITY = "AssumeRoleWithWebIdentity"
# WebIdentityToken's length in the STS API reference (clientTokenType).
WEB_IDENTITY_TOKEN_LENGTH = (4, 20_000)
_JWT = re.compile(r"(?P<header>[A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def _token_refused(token_file: str, why: str) -> AwsError:
    return AwsError(
        ASSUME_WITH_WEB_IDENTITY, "InvalidWebIdentityTokenFile",
        f"the web identity token file {token_file} {why}; nothing was sent", transient=False,
    )  # fmt: skip


def _is_jwt(token: str) -> bool:
    match = _JWT.fullmatch(token)
    if match is None:
        return False
    header = match["header"]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (binascii.Error, ValueError):
        return False
    return isinstance(decoded, dict) and "alg" in decoded


def read_web_identity_token(token_file: str) -> str:
    """The token in `token_file`, read afresh (kubelet rotates it), if it is a JWT STS takes.

    Anything else is refused before a request is made, and its content never appears in the
    error: the path is configuration, and must not turn into a way to read the server's files.
    """
    low, high = WEB_IDENTITY_TOKEN_LENGTH
    try:
        if not stat.S_ISREG(os.stat(token_file).st_mode):
            raise _token_refused(token_file, "is not a regular file")
        with open(token_file, "rb") as handle:
            raw = handle.read(high + 1024)
    except OSError as error:
        raise _token_refused(token_file, f"cannot be read ({error.strerror})") from None
    try:
        token = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        token = ""
    if not (low <= len(token) <= high and _is_jwt(token)):
        raise _token_refused(
            token_file, f"does not hold a web identity token (a JWT of {low} to {high} characters)"
        )
    return token
