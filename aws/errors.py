"""AWS failures in meshaws' terms: `AwsError`, and the one set of error names callers test for."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import botocore.exceptions

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
# IAM and STS (query protocol) say AccessDenied; Organizations and CloudFormation's JSON
# services say AccessDeniedException.
ACCESS_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException"})
# What AWS answers for a key pair it does not know or a secret that does not match it.
INVALID_KEY_CODES = frozenset(
    {"InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException"}
)
_CONNECTION_ERRORS = (
    botocore.exceptions.EndpointConnectionError,
    botocore.exceptions.ConnectTimeoutError,
    botocore.exceptions.ReadTimeoutError,
    botocore.exceptions.ConnectionClosedError,
)
# The codes of an endpoint that did not answer (no AWS code: botocore's exception names).
UNREACHABLE_CODES = frozenset(error.__name__ for error in _CONNECTION_ERRORS)


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


@contextmanager
def mapped_errors(operation: str) -> Iterator[None]:
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
    except _CONNECTION_ERRORS as error:
        raise AwsError(operation, type(error).__name__, str(error), transient=True) from None
    except botocore.exceptions.BotoCoreError as error:
        raise AwsError(operation, type(error).__name__, str(error), transient=False) from None
