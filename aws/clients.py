"""Clients: one boto3 Session per process, cached clients, and `call`/`paginate`, captured.

Everything else in meshaws sees AWS failures only as `AwsError`, never as botocore exceptions.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import botocore
import botocore.config

from .capture import captured
from .credentials import Credentials

RETRY_CONFIG = botocore.config.Config(
    retries={"mode": "adaptive", "max_attempts": 10},
    connect_timeout=10,
    read_timeout=60,
)

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


def _config(max_attempts: int | None, base: botocore.config.Config = RETRY_CONFIG):
    if max_attempts is None:
        return base
    return base.merge(
        botocore.config.Config(retries={"mode": "adaptive", "max_attempts": max_attempts})
    )


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
    return shared_session().client(
        service,
        region_name=region,
        endpoint_url=endpoint_url or None,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        config=_config(max_attempts),
    )


@functools.lru_cache(maxsize=32)
def unsigned_client(
    service: str, region: str, endpoint_url: str | None, max_attempts: int | None
) -> Any:
    """A client that signs nothing, for calls whose proof is in the request (web identity)."""
    # UNSIGNED also keeps botocore from resolving the default chain to build the client.
    unsigned = RETRY_CONFIG.merge(botocore.config.Config(signature_version=botocore.UNSIGNED))
    config = _config(max_attempts, unsigned)
    return shared_session().client(
        service, region_name=region, endpoint_url=endpoint_url, config=config
    )


def forget_clients() -> None:
    """Build clients anew at their next use (new credentials, new event handlers)."""
    _cached_client.cache_clear()
    unsigned_client.cache_clear()


def _operation(aws_client: Any, method: str) -> str:
    return aws_client.meta.method_to_api_mapping.get(method, method)


def call(aws_client: Any, method: str, **params: Any) -> dict[str, Any]:
    """Call `aws_client.<method>(**params)`, captured; failures raise `AwsError`."""
    function: Callable[..., dict[str, Any]] = getattr(aws_client, method)
    with captured(aws_client, _operation(aws_client, method)) as outcome:
        outcome["response"] = function(**params)
    return outcome["response"]


def paginate(aws_client: Any, method: str, result_key: str, **params: Any) -> Iterator[Any]:
    """Every item under `result_key` on every page of `method`, each page captured."""
    operation = _operation(aws_client, method)
    pages = aws_client.get_paginator(method).paginate(**params)
    iterator = iter(pages)
    while True:
        with captured(aws_client, operation) as outcome:
            try:
                page = next(iterator)
            except StopIteration:
                outcome["no_call"] = True  # the last page was already fetched
                return
            outcome["response"] = page
        yield from page.get(result_key, [])
