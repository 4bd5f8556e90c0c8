"""Credentials of roles: AssumeRole and AssumeRoleWithWebIdentity, reused until near expiry."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from .clients import call, client, forget_clients, unsigned_client
from .credentials import Credentials, forget_default_chain, read_web_identity_token

# Assumed-role credentials are reused until shortly before they expire.
CREDENTIALS_REFRESH_MARGIN = timedelta(minutes=5)
_assumed: dict[tuple[str, ...], Credentials] = {}
_web_identity: dict[tuple[str, ...], Credentials] = {}
_assumed_lock = threading.Lock()


def _credentials(assumed: dict[str, Any]) -> Credentials:
    return Credentials(
        access_key_id=assumed["AccessKeyId"],
        secret_access_key=assumed["SecretAccessKey"],
        session_token=assumed["SessionToken"],
        expiration=assumed["Expiration"],
    )


def _still_valid(credentials: Credentials | None) -> bool:
    return (
        credentials is not None
        and credentials.expiration is not None
        and credentials.expiration - datetime.now(UTC) > CREDENTIALS_REFRESH_MARGIN
    )


def assume_role(
    *,
    credentials: Credentials,
    role_arn: str,
    session_name: str,
    region: str,
    external_id: str | None = None,
    endpoint_url: str | None = None,
    max_attempts: int | None = None,
) -> Credentials:
    """Credentials of `role_arn`, assumed with `credentials` (and `external_id` when given)."""
    sts = client(
        "sts",
        region=region,
        credentials=credentials,
        endpoint_url=endpoint_url,
        max_attempts=max_attempts,
    )
    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": session_name}
    if external_id:
        params["ExternalId"] = external_id
    return _credentials(call(sts, "assume_role", **params)["Credentials"])


def assumed_role(
    *,
    credentials: Credentials,
    role_arn: str,
    session_name: str,
    region: str,
    external_id: str | None = None,
    endpoint_url: str | None = None,
) -> Credentials:
    """Like `assume_role`, but cached per caller, role and external id until near expiry."""
    key = (
        credentials.access_key_id, role_arn, external_id or "", endpoint_url or "", region,
    )  # fmt: skip
    with _assumed_lock:
        cached = _assumed.get(key)
    if _still_valid(cached):
        return cached
    fresh = assume_role(
        credentials=credentials, role_arn=role_arn, session_name=session_name, region=region,
        external_id=external_id, endpoint_url=endpoint_url,
    )  # fmt: skip
    with _assumed_lock:
        _assumed[key] = fresh
    return fresh


def web_identity_credentials(
    *,
    role_arn: str,
    token_file: str,
    session_name: str,
    region: str,
    endpoint_url: str | None = None,
    max_attempts: int | None = None,
    fresh: bool = False,
) -> Credentials:
    """Credentials of `role_arn` from AssumeRoleWithWebIdentity with the token in `token_file`.

    Reused until shortly before they expire (as `assumed_role`), then assumed again with the
    token read anew; `fresh` assumes now (the connection check).
    """
    key = (role_arn, token_file, endpoint_url or "", region, session_name)
    with _assumed_lock:
        cached = _web_identity.get(key)
    if not fresh and _still_valid(cached):
        return cached
    token = read_web_identity_token(token_file)
    # AssumeRoleWithWebIdentity is not signed: the token is the proof.
    sts = unsigned_client("sts", region, endpoint_url or None, max_attempts)
    assumed = call(
        sts, "assume_role_with_web_identity",
        RoleArn=role_arn, RoleSessionName=session_name, WebIdentityToken=token,
    )["Credentials"]  # fmt: skip
    credentials = _credentials(assumed)
    with _assumed_lock:
        _web_identity[key] = credentials
    return credentials


def forget_credentials() -> None:
    """Drop cached clients and credentials (tests; a rotated service user key)."""
    with _assumed_lock:
        _assumed.clear()
        _web_identity.clear()
    forget_default_chain()
    forget_clients()
