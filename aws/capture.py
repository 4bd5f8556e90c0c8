"""Call capture: every AWS call made inside `capturing()` is noted (operation, request id, time)."""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import botocore.exceptions

from .errors import AwsError, mapped_errors


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


_capturing: contextvars.ContextVar[list[AwsCall] | None] = contextvars.ContextVar(
    "meshaws_aws_calls", default=None
)


@contextmanager
def capturing() -> Iterator[list[AwsCall]]:
    """Collect every AWS call made inside the block (by this thread) into the yielded list."""
    calls: list[AwsCall] = []
    token = _capturing.set(calls)
    try:
        yield calls
    finally:
        _capturing.reset(token)


def capture_call(call: AwsCall) -> None:
    """Add a finished call to the current capture, if any."""
    calls = _capturing.get()
    if calls is not None:
        calls.append(call)


def _request_id(response: dict[str, Any]) -> str:
    metadata = response.get("ResponseMetadata", {})
    return metadata.get("RequestId") or metadata.get("HTTPHeaders", {}).get("x-amzn-requestid", "")


@contextmanager
def captured(aws_client: Any, operation: str) -> Iterator[dict[str, Any]]:
    """Time the call in the block and record it; the block puts the response in `outcome`.

    Failures leave the block as `AwsError`; `outcome["no_call"]` set means nothing was sent.
    """
    outcome: dict[str, Any] = {}
    started = time.monotonic()
    error_code = ""
    try:
        with mapped_errors(operation):
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
            capture_call(
                AwsCall(
                    service=aws_client.meta.service_model.service_name,
                    operation=operation,
                    request_id=_request_id(outcome.get("response", {})),
                    duration_ms=round((time.monotonic() - started) * 1000),
                    error_code=error_code,
                )
            )
