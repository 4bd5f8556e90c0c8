"""The strict emulator: moto, patched in its own process, refusing what real AWS refuses.

moto accepts much that AWS refuses, so bugs that only real AWS would show passed the tests.
`install()` patches moto in the process that runs the emulator (the tests' in-process server,
`make run`'s sandbox, the benchmarks' emulator). For Organizations, STS, IAM, CloudFormation and
IAM Identity Center (sso-admin, identitystore) it enforces:

- every request parameter against the botocore service model's `pattern`, `min` and `max`
  (strings, lists, maps, integers; nested structures and list members too). IAM, STS and
  CloudFormation answer `ValidationError`, Organizations `InvalidInputException` with its
  `Reason` (`INVALID_PATTERN`, `MAX_LENGTH_EXCEEDED`, …), sso-admin and identitystore
  `ValidationException`; HTTP 400, naming the parameter
  (`Value at 'roleName' failed to satisfy constraint: …`), never echoing the value. How the
  models' Java patterns are matched, and what is skipped, is in `parameters`.
- `sts:AssumeRole`: the role must exist; its trust policy must allow the caller (Principal `*`,
  the caller's account or its root, the role of an assumed-role session, the user, the session)
  under its conditions (`StringEquals`, `StringLike`, their `Not` and `IgnoreCase` forms,
  `…IfExists`, `Null`) on `sts:ExternalId`, `sts:RoleSessionName`, `aws:PrincipalArn`,
  `aws:PrincipalAccount`; an explicit Deny wins. Across accounts, or when the trust names only
  the account, the caller's own policies (inline and attached; a user's groups too) must allow
  `sts:AssumeRole` on the role as well. Otherwise AccessDenied (403), worded as AWS words it.
- a new member account refuses AssumeRole for `access_grace_seconds` after its creation ended.
- Account shapes carry `State` only: AWS retired `Status` on 2026-09-09.
- CreateAccount stays IN_PROGRESS for `creation_seconds`, its account neither listed nor
  described until then; beyond `creations_in_flight_limit` (5) in flight in one organization it
  is refused with ConstraintViolationException, Reason ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED
  ("You attempted to exceed the number of accounts that can be in progress at a time":
  Organizations API reference, ConstraintViolationException).
- CreateAccount with an e-mail that an account of any organization has (case-insensitively):
  the creation ends FAILED with EMAIL_ALREADY_EXISTS, as AWS's CreateAccountStatus says.
- CreateAccountAlias: pattern and length from the model; an alias that another account holds
  → EntityAlreadyExists (409).
- CloseAccount: State PENDING_CLOSURE for `closure_polls_pending` DescribeAccount reads, then
  SUSPENDED (moto suspends at once); an account not open is AccountAlreadyClosedException, the
  management account CANNOT_CLOSE_MANAGEMENT_ACCOUNT, closures beyond the rolling 30-day
  quota CLOSE_ACCOUNT_QUOTA_EXCEEDED (`close_account_quota`; `closure`).
- Identity Center: ids of AWS's shape, account assignments IN_PROGRESS for
  `assignment_polls_in_progress` status reads and then SUCCEEDED (or FAILED as
  `assignment_failures` says), listed only once created (`identity_center`); UpdateGroup,
  unique display names and memberships, unknown identity stores refused (`identity_store`).

Not enforced: request signatures and secret keys; unknown, inactive or expired keys (an unknown
key is the root of moto's default account 123456789012, as in plain moto); AWS's refusal of
AssumeRole with root credentials; `enum` values and required parameters; the caller's policies
for any action but sts:AssumeRole; permission boundaries, session policies, SCPs; `NotPrincipal`,
`ForAnyValue`/`ForAllValues` and any other condition operator (an Allow statement using one
does not apply, a Deny statement does); policy variables; the daily account-creation quota;
case-insensitive uniqueness of IAM names; in Identity Center, that an assignment's permission
set, principal and account exist, ConflictException for a request racing another on the same
assignment, and one instance per organization in one region (moto has one in every account and
region).

`settings` holds the durations and the limit (defaults: 0 s, 0 s, 5; change them at run time
in the emulator's process; a creation keeps the durations in force when it was requested), the
assignments' IN_PROGRESS reads and failures (defaults: 1, none; a request keeps the reads in
force when it was made), and a closure's PENDING_CLOSURE reads and the closure quota
(defaults: 1, AWS's); the tests' `strictness` fixture changes them for one test.
`settle_accounts()` ends every creation and grace at once. moto's reset (`POST
/moto-api/reset`) empties the emulator, and with it what this layer stamped on moto's objects,
and brings `settings` back to the last `configure()`.
"""

from __future__ import annotations

from moto.core.exceptions import AccessDeniedError
from moto.core.responses import ActionResult, BaseResponse
from moto.core.utils import get_service_model
from moto.moto_api._internal.models import MotoAPIBackend
from werkzeug.exceptions import HTTPException

from . import accounts, closure, identity_center, identity_store
from .accounts import settle_accounts
from .parameters import skipped_patterns, validation_error, violations
from .settings import Strictness, configure, lock, restore, settings
from .trust import ASSUME_ROLE, caller_of, may_assume

__all__ = [
    "Strictness",
    "configure",
    "install",
    "restore",
    "settings",
    "settle_accounts",
    "skipped_patterns",
]

SERVICES = frozenset(
    {"organizations", "sts", "iam", "cloudformation", "sso-admin", "identitystore"}
)
_installed = False


def _refusal(response: BaseResponse, error: Exception):
    """The HTTP answer moto gives for `error`, as its own `call_action` builds it."""
    if isinstance(error, HTTPException):  # AccessDenied, and the JSON services' own errors
        headers = {"status": error.code, **dict(error.get_headers())}
        status, headers, body = response._transform_response(
            response.response_headers, (error.description, headers)
        )
    else:
        status, headers, body = response.serialized(ActionResult(error))
    headers, body = response._enrich_response(headers, body)
    return status, headers, body


def _refused(response: BaseResponse) -> Exception | None:
    """Why AWS would refuse this request before acting on it, or None."""
    service = response.boto3_service_name
    if service not in SERVICES:
        return None
    action = response._get_action()
    try:
        operation = get_service_model(service).operation_model(action)
        if not response.automated_parameter_parsing:
            response.parse_parameters(response.normalized_request)
        params = response.params
    except Exception:  # what moto cannot parse or does not know, moto answers itself
        return None
    found = violations(operation.input_shape, params)
    if found:
        return validation_error(service, found)
    if service == "sts" and action == "AssumeRole":
        caller = caller_of(response.get_access_key())
        role_arn = params.get("RoleArn", "")
        external_id, session = params.get("ExternalId"), params.get("RoleSessionName", "")
        if not may_assume(caller, role_arn, external_id, session):
            return AccessDeniedError(caller.arn, f"{ASSUME_ROLE} on resource: {role_arn}")
    return None


def _patch_dispatch() -> None:
    """Every request is checked before moto acts on it."""
    original = BaseResponse.call_action

    def call_action(self):
        refused = _refused(self)
        return original(self) if refused is None else _refusal(self, refused)

    BaseResponse.call_action = call_action


def _patch_reset() -> None:
    """moto's reset also brings back the configured settings."""
    original = MotoAPIBackend.reset

    def reset(self) -> None:
        original(self)
        restore()

    MotoAPIBackend.reset = reset


def install() -> None:
    """Patch moto in this process, once; before the emulator serves its first request."""
    global _installed
    with lock:
        if not _installed:
            _patch_dispatch()
            accounts.patch()
            closure.patch()
            identity_center.patch()
            identity_store.patch()
            _patch_reset()
            _installed = True
