"""Accounts as Organizations and IAM treat them: creations in flight, e-mails, State, aliases.

A creation's times are stamped on moto's own objects when it is requested (from the settings
then in force), so a reset clears them and a later change of the settings never revives a
finished creation. `settle_accounts()` ends every creation and grace at once, for tests.
"""

from __future__ import annotations

import time

from moto.iam import models as iam_models
from moto.iam.exceptions import EntityAlreadyExists
from moto.organizations import models as org_models
from moto.organizations.exceptions import AccountNotFoundException, ConstraintViolationException

from .settings import lock, settings

# Organizations API reference, ConstraintViolationException: ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED.
IN_FLIGHT_REFUSAL = (
    "You attempted to exceed the number of accounts that can be in progress at a time."
)


def _organizations() -> list:
    """Every organizations backend of every account and partition."""
    return [
        backend
        for by_partition in list(org_models.organizations_backends.values())
        for backend in list(by_partition.values())
    ]


def _stamp(thing, now: float) -> None:
    """Stamp a new creation with when it succeeds and when its account accepts AssumeRole."""
    thing.strict_succeeds_at = now + settings.creation_seconds
    thing.strict_ready_at = thing.strict_succeeds_at + settings.access_grace_seconds


def _in_flight(thing) -> bool:
    """Whether a creation (an account's, or a failed one's) has not ended yet."""
    return time.time() < getattr(thing, "strict_succeeds_at", 0.0)


def account_ready(account_id: str) -> bool:
    """Whether a member account accepts AssumeRole yet (its creation ended, grace over)."""
    for backend in _organizations():
        for account in list(backend.accounts):
            if account.id == account_id:
                return time.time() >= getattr(account, "strict_ready_at", 0.0)
    return True


def settle_accounts() -> None:
    """End every creation in flight and every new account's grace, now."""
    now = time.time()
    with lock:
        for backend in _organizations():
            for thing in list(backend.accounts) + _failed_creations(backend):
                for name in ("strict_succeeds_at", "strict_ready_at"):
                    if getattr(thing, name, 0.0) > now:
                        setattr(thing, name, now)


class _FailedCreation:
    """A CreateAccount request that AWS ends FAILED, without an account."""

    def __init__(self, name: str, reason: str) -> None:
        self.id = org_models.utils.make_random_create_account_status_id()
        self.name, self.reason = name, reason
        self.requested_at = time.time()
        _stamp(self, self.requested_at)

    def status(self) -> dict:
        status = {"Id": self.id, "AccountName": self.name, "RequestedTimestamp": self.requested_at}
        if _in_flight(self):
            return {**status, "State": "IN_PROGRESS"}
        completed = {"CompletedTimestamp": self.strict_succeeds_at, "FailureReason": self.reason}
        return {**status, "State": "FAILED", **completed}


def _failed_creations(backend) -> list[_FailedCreation]:
    """The failed creations kept on `backend` (so that a reset clears them)."""
    if not hasattr(backend, "strict_failed_creations"):
        backend.strict_failed_creations = []
    return backend.strict_failed_creations


def _email_taken(email: str) -> bool:
    """Whether an account of any organization has `email` (case-insensitively)."""
    wanted = email.lower()
    return any(
        account.email.lower() == wanted
        for backend in _organizations()
        for account in list(backend.accounts)
    )


def _in_flight_count(backend) -> int:
    """How many creations of the organization have not ended yet."""
    return sum(_in_flight(thing) for thing in list(backend.accounts) + _failed_creations(backend))


def _as_stamped(account, status: dict) -> dict:
    """`status` as the creation's stamp has it: IN_PROGRESS, without the id, until it succeeds."""
    if _in_flight(account):
        status["State"] = "IN_PROGRESS"
        status.pop("AccountId", None)
        status.pop("CompletedTimestamp", None)
    elif hasattr(account, "strict_succeeds_at") and status.get("State") == "SUCCEEDED":
        status["CompletedTimestamp"] = account.strict_succeeds_at
    return status


def _patch_account() -> None:
    """Accounts show their creation as stamped, and describe themselves without Status."""
    account = org_models.FakeAccount
    original_status, original_describe = account.create_account_status, account.describe

    def create_account_status(self) -> dict:
        answer = original_status.fget(self)
        _as_stamped(self, answer["CreateAccountStatus"])
        return answer

    def describe(self) -> dict:
        described = original_describe(self)
        described.pop("Status", None)  # AWS retired Account.Status on 2026-09-09: State only
        return described

    account.create_account_status = property(create_account_status)
    account.describe = describe


def _patch_creation() -> None:
    """CreateAccount: the in-flight limit, taken e-mails, and the stamps of new creations."""
    backend = org_models.OrganizationsBackend
    create, describe_status = backend.create_account, backend.describe_create_account_status

    def create_account(self, **kwargs):
        with lock:
            limit = settings.creations_in_flight_limit
            if self.org is not None and _in_flight_count(self) >= limit:
                error = ConstraintViolationException(IN_FLIGHT_REFUSAL)
                error.reason = "ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED"
                raise error
            if self.org is not None and _email_taken(kwargs.get("Email", "")):
                failed = _FailedCreation(kwargs.get("AccountName", ""), "EMAIL_ALREADY_EXISTS")
                _failed_creations(self).append(failed)
                return {"CreateAccountStatus": failed.status()}
            answer = create(self, **kwargs)
            request_id = answer["CreateAccountStatus"]["Id"]
            created = self.get_account_by_attr("create_account_status_id", request_id)
            _stamp(created, time.time())
            _as_stamped(created, answer["CreateAccountStatus"])  # not read again: tests count reads
            return answer

    def describe_create_account_status(self, **kwargs):
        for failed in _failed_creations(self):
            if failed.id == kwargs.get("CreateAccountRequestId"):
                return {"CreateAccountStatus": failed.status()}
        return describe_status(self, **kwargs)

    def list_create_account_status(self, **kwargs):
        states = kwargs.get("States") or ["IN_PROGRESS", "SUCCEEDED", "FAILED"]
        every = [a.create_account_status["CreateAccountStatus"] for a in list(self.accounts)]
        every += [failed.status() for failed in _failed_creations(self)]
        chosen = [status for status in every if status["State"] in states]
        start, size = int(kwargs.get("NextToken") or 0), int(kwargs.get("MaxResults") or 20)
        token = str(start + size) if start + size < len(chosen) else None
        return {"CreateAccountStatuses": chosen[start : start + size], "NextToken": token}

    backend.create_account = create_account
    backend.describe_create_account_status = describe_create_account_status
    backend.list_create_account_status = list_create_account_status


def _patch_listing() -> None:
    """An account in creation has no id for its caller yet: it is neither listed nor described."""
    backend = org_models.OrganizationsBackend
    list_accounts, for_parent = backend.list_accounts, backend.list_accounts_for_parent
    describe_account = backend.describe_account

    def listed_accounts(self, *args, **kwargs):
        accounts, token = list_accounts(self, *args, **kwargs)
        hidden = {account.id for account in list(self.accounts) if _in_flight(account)}
        return [account for account in accounts if account["Id"] not in hidden], token

    def listed_accounts_for_parent(self, *args, **kwargs):
        accounts, token = for_parent(self, *args, **kwargs)
        return [account for account in accounts if not _in_flight(account)], token

    def described_account(self, **kwargs):
        if _in_flight(self.get_account_by_id(kwargs.get("AccountId"))):
            raise AccountNotFoundException
        return describe_account(self, **kwargs)

    backend.list_accounts = listed_accounts
    backend.list_accounts_for_parent = listed_accounts_for_parent
    backend.describe_account = described_account


def _patch_aliases() -> None:
    """CreateAccountAlias refuses an alias that another account holds."""
    backend = iam_models.IAMBackend
    original = backend.create_account_alias

    def create_account_alias(self, alias: str) -> None:
        with lock:
            for account_id, by_partition in list(iam_models.iam_backends.items()):
                others = [b for b in by_partition.values() if account_id != self.account_id]
                if any(alias in other.account_aliases for other in others):
                    raise EntityAlreadyExists(f"The account alias {alias} already exists.")
            original(self, alias)

    backend.create_account_alias = create_account_alias


def patch() -> None:
    """Patch moto's Organizations and IAM backends (once, from `install()`)."""
    _patch_account()
    _patch_creation()
    _patch_listing()
    _patch_aliases()
