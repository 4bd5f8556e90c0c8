"""The only module that talks to AWS: one boto3 Session per process, clients, error mapping.

Everything else in meshaws gets clients and credentials from here and sees AWS failures only
as `AwsError`, never as botocore exceptions.
"""

from __future__ import annotations

import base64
import binascii
import contextvars
import functools
import json
import os
import re
import stat
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore
import botocore.config
import botocore.exceptions
import botocore.session

# Throttling and "someone else is changing this right now" are worth another attempt; so are
# the service's own 5xx errors, which botocore reports with these codes.
TRANSIENT_ERROR_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ConcurrentModificationException",
        "OperationInProgressException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalError",
        "ServiceException",
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
    }
)

RETRY_CONFIG = botocore.config.Config(
    retries={"mode": "adaptive", "max_attempts": 10},
    connect_timeout=10,
    read_timeout=60,
)


class AwsError(Exception):
    """An AWS call that failed, in meshaws' terms: which operation, AWS's code, retry or not."""

    def __init__(
        self, operation: str, code: str, message: str, transient: bool, reason: str = ""
    ) -> None:
        super().__init__(f"{operation} failed: {code}: {message}")
        self.operation = operation
        self.code = code
        self.message = message
        self.transient = transient
        # Organizations' ConstraintViolationException says which limit in a `Reason` field.
        self.reason = reason


@dataclass(frozen=True)
class Credentials:
    """An access key pair, with the session token and expiry of assumed-role credentials."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    expiration: datetime | None = None

    def __repr__(self) -> str:  # never let a secret reach a log line through repr()
        return f"Credentials(access_key_id={self.access_key_id!r}, expiration={self.expiration!r})"


_session: boto3.Session | None = None
_session_lock = threading.Lock()


def shared_session() -> boto3.Session:
    """The process's one boto3 Session (building one costs ~100 ms; a client from it ~2.5 ms)."""
    global _session
    if _session is None:
        with _session_lock:
            if _session is None:
                _session = boto3.Session()
    return _session


def client(
    service: str,
    *,
    region: str,
    credentials: Credentials,
    endpoint_url: str | None = None,
    max_attempts: int | None = None,
) -> Any:
    """A boto3 client for `service` acting with `credentials`, aimed at `endpoint_url` if set.

    Clients are cached (they are thread-safe and cost ~2.5 ms to build). `max_attempts` lowers
    the retry budget where waiting is pointless (a local emulator).
    """
    return _cached_client(service, region, credentials, endpoint_url or None, max_attempts)


@functools.lru_cache(maxsize=256)
def _cached_client(
    service: str,
    region: str,
    credentials: Credentials,
    endpoint_url: str | None,
    max_attempts: int | None,
) -> Any:
    return _new_client(
        service, region=region, credentials=credentials, endpoint_url=endpoint_url,
        max_attempts=max_attempts,
    )  # fmt: skip


def _new_client(
    service: str,
    *,
    region: str,
    credentials: Credentials,
    endpoint_url: str | None = None,
    max_attempts: int | None = None,
) -> Any:
    config = RETRY_CONFIG
    if max_attempts is not None:
        config = config.merge(
            botocore.config.Config(retries={"mode": "adaptive", "max_attempts": max_attempts})
        )
    return shared_session().client(
        service,
        region_name=region,
        endpoint_url=endpoint_url or None,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        config=config,
    )


@contextmanager
def _mapped_errors(operation: str) -> Iterator[None]:
    """Turn every botocore failure inside the block into an `AwsError` for `operation`."""
    try:
        yield
    except botocore.exceptions.ClientError as error:
        details = error.response.get("Error", {})
        code = details.get("Code", "Unknown")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        transient = code in TRANSIENT_ERROR_CODES or status >= 500
        reason = error.response.get("Reason") or details.get("Reason") or ""
        message = details.get("Message", str(error))
        raise AwsError(operation, code, message, transient, reason=reason) from None
    except (
        botocore.exceptions.EndpointConnectionError,
        botocore.exceptions.ConnectTimeoutError,
        botocore.exceptions.ReadTimeoutError,
        botocore.exceptions.ConnectionClosedError,
    ) as error:
        raise AwsError(operation, type(error).__name__, str(error), transient=True) from None
    except botocore.exceptions.BotoCoreError as error:
        raise AwsError(operation, type(error).__name__, str(error), transient=False) from None


def _operation(aws_client: Any, method: str) -> str:
    return aws_client.meta.method_to_api_mapping.get(method, method)


@dataclass(frozen=True)
class AwsCall:
    """One AWS API call as a step records it."""

    service: str
    operation: str
    request_id: str
    duration_ms: int
    error_code: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "operation": self.operation,
            "request_id": self.request_id,
            "duration_ms": self.duration_ms,
            "error_code": self.error_code,
        }


_recording: contextvars.ContextVar[list[AwsCall] | None] = contextvars.ContextVar(
    "meshaws_aws_calls", default=None
)


@contextmanager
def recording() -> Iterator[list[AwsCall]]:
    """Collect every AWS call made inside the block (by this thread) into the yielded list."""
    calls: list[AwsCall] = []
    token = _recording.set(calls)
    try:
        yield calls
    finally:
        _recording.reset(token)


def record_call(call: AwsCall) -> None:
    """Add a finished call to the current recording, if any."""
    calls = _recording.get()
    if calls is not None:
        calls.append(call)


def _request_id(response: dict[str, Any]) -> str:
    metadata = response.get("ResponseMetadata", {})
    return metadata.get("RequestId") or metadata.get("HTTPHeaders", {}).get("x-amzn-requestid", "")


@contextmanager
def _recorded(aws_client: Any, operation: str) -> Iterator[dict[str, Any]]:
    """Time the call in the block and record it; the block puts the response in `outcome`."""
    outcome: dict[str, Any] = {}
    started = time.monotonic()
    error_code = ""
    try:
        with _mapped_errors(operation):
            try:
                yield outcome
            except botocore.exceptions.ClientError as error:
                outcome["response"] = error.response
                error_code = error.response.get("Error", {}).get("Code", "Unknown")
                raise
    except AwsError as error:
        error_code = error_code or error.code
        raise
    finally:
        if not outcome.get("no_call"):
            record_call(
                AwsCall(
                    service=aws_client.meta.service_model.service_name,
                    operation=operation,
                    request_id=_request_id(outcome.get("response", {})),
                    duration_ms=round((time.monotonic() - started) * 1000),
                    error_code=error_code,
                )
            )


def call(aws_client: Any, method: str, **params: Any) -> dict[str, Any]:
    """Call `aws_client.<method>(**params)`, recorded; failures raise `AwsError`."""
    function: Callable[..., dict[str, Any]] = getattr(aws_client, method)
    with _recorded(aws_client, _operation(aws_client, method)) as outcome:
        outcome["response"] = function(**params)
    return outcome["response"]


def paginate(aws_client: Any, method: str, result_key: str, **params: Any) -> Iterator[Any]:
    """Every item under `result_key` on every page of `method`, each page recorded."""
    operation = _operation(aws_client, method)
    pages = aws_client.get_paginator(method).paginate(**params)
    iterator = iter(pages)
    while True:
        with _recorded(aws_client, operation) as outcome:
            try:
                page = next(iterator)
            except StopIteration:
                outcome["no_call"] = True  # the last page was already fetched
                return
            outcome["response"] = page
        yield from page.get(result_key, [])


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
    assumed = call(sts, "assume_role", **params)["Credentials"]
    return Credentials(
        access_key_id=assumed["AccessKeyId"],
        secret_access_key=assumed["SecretAccessKey"],
        session_token=assumed["SessionToken"],
        expiration=assumed["Expiration"],
    )


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region name of every AWS partition, as the installed botocore knows them."""
    endpoints = botocore.session.get_session().get_data("endpoints")
    return frozenset(
        region for partition in endpoints["partitions"] for region in partition["regions"]
    )


# Assumed-role credentials are reused until shortly before they expire.
CREDENTIALS_REFRESH_MARGIN = timedelta(minutes=5)
_assumed: dict[tuple[str, ...], Credentials] = {}
_assumed_lock = threading.Lock()


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
    now = datetime.now(UTC)
    if (
        cached is not None
        and cached.expiration
        and cached.expiration - now > CREDENTIALS_REFRESH_MARGIN
    ):
        return cached
    fresh = assume_role(
        credentials=credentials, role_arn=role_arn, session_name=session_name, region=region,
        external_id=external_id, endpoint_url=endpoint_url,
    )  # fmt: skip
    with _assumed_lock:
        _assumed[key] = fresh
    return fresh


# -- keyless credentials: boto3's default chain, and web identity -------------------------

_default_chain: Any = None
_default_chain_lock = threading.Lock()
RESOLVE_CREDENTIALS = "ResolveCredentials"


def default_chain_credentials() -> Credentials:
    """The credentials of boto3's default chain: AWS_* variables, a profile (SSO too), a
    container or instance role, AWS_WEB_IDENTITY_TOKEN_FILE.

    Resolved once per process (and again after `forget_credentials`); temporary credentials
    refresh themselves before they expire, as boto3's do.
    """
    global _default_chain
    with _default_chain_lock, _mapped_errors(RESOLVE_CREDENTIALS):
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
    with _mapped_errors(RESOLVE_CREDENTIALS):
        frozen = found.get_frozen_credentials()
    return Credentials(frozen.access_key, frozen.secret_key, frozen.token or None)


def default_chain_method() -> str:
    """Which link of the default chain gave the credentials (botocore's name, e.g. "env")."""
    return getattr(_default_chain, "method", "") or ""


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


@functools.lru_cache(maxsize=32)
def _unsigned_client(
    service: str, region: str, endpoint_url: str | None, max_attempts: int | None
) -> Any:
    # AssumeRoleWithWebIdentity is not signed (the token is the proof). UNSIGNED also keeps
    # botocore from resolving the default chain to build the client.
    config = RETRY_CONFIG.merge(botocore.config.Config(signature_version=botocore.UNSIGNED))
    if max_attempts is not None:
        config = config.merge(
            botocore.config.Config(retries={"mode": "adaptive", "max_attempts": max_attempts})
        )
    return shared_session().client(
        service, region_name=region, endpoint_url=endpoint_url, config=config
    )


_web_identity: dict[tuple[str, ...], Credentials] = {}


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
    sts = _unsigned_client("sts", region, endpoint_url or None, max_attempts)
    assumed = call(
        sts, "assume_role_with_web_identity",
        RoleArn=role_arn, RoleSessionName=session_name, WebIdentityToken=token,
    )["Credentials"]  # fmt: skip
    credentials = Credentials(
        access_key_id=assumed["AccessKeyId"],
        secret_access_key=assumed["SecretAccessKey"],
        session_token=assumed["SessionToken"],
        expiration=assumed["Expiration"],
    )
    with _assumed_lock:
        _web_identity[key] = credentials
    return credentials


def _still_valid(credentials: Credentials | None) -> bool:
    return (
        credentials is not None
        and credentials.expiration is not None
        and credentials.expiration - datetime.now(UTC) > CREDENTIALS_REFRESH_MARGIN
    )


def forget_credentials() -> None:
    """Drop cached clients and credentials (tests; a rotated service user key)."""
    global _default_chain
    with _assumed_lock:
        _assumed.clear()
        _web_identity.clear()
    with _default_chain_lock:
        _default_chain = None
    _cached_client.cache_clear()
    _unsigned_client.cache_clear()
