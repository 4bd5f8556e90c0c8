"""CloseAccount as AWS runs it: asynchronous, refused twice, limited by a 30-day quota.

moto 5.2.5 suspends the account at once (its own TODO names PENDING_CLOSURE) and checks only
the retired `Status`. AWS (Organizations API reference, CloseAccount) closes in the
background: DescribeAccount answers State PENDING_CLOSURE first, then SUSPENDED. Here an
account stays PENDING_CLOSURE for `settings.closure_polls_pending` DescribeAccount reads (as in
force when the closure was requested); ListAccounts shows it as it stands without counting.

Refused as AWS refuses it: an account that is PENDING_CLOSURE, SUSPENDED or CLOSED
(AccountAlreadyClosedException); the management account (ConstraintViolationException,
CANNOT_CLOSE_MANAGEMENT_ACCOUNT); more closures in a rolling 30 days than the organization's
quota (CLOSE_ACCOUNT_QUOTA_EXCEEDED): 10 % of its member accounts, between 10 and 1,000 (the
CloseAccount API reference), or `settings.close_account_quota` when a test sets it (0: used up).
"""

from __future__ import annotations

import time

from moto.organizations import models as org_models
from moto.organizations.exceptions import (
    AccountAlreadyClosedException,
    AccountNotFoundException,
    ConstraintViolationException,
)

from .settings import lock, settings

NOT_OPEN = ("PENDING_CLOSURE", "SUSPENDED", "CLOSED")
QUOTA_PERIOD = 30 * 24 * 3600
QUOTA_REFUSAL = "You have exceeded close account quota for the past 30 days."
MANAGEMENT_REFUSAL = "You attempted to close the management account."


def _refusal(message: str, reason: str) -> ConstraintViolationException:
    error = ConstraintViolationException(message)
    error.reason = reason  # serialized as the shape's Reason
    return error


def _closures(backend) -> list[float]:
    """When the organization's closures were requested (kept on `backend`, so a reset clears)."""
    if not hasattr(backend, "strict_closures"):
        backend.strict_closures = []
    return backend.strict_closures


def _quota(backend) -> int:
    """How many accounts the organization may close in a rolling 30 days."""
    if settings.close_account_quota is not None:
        return settings.close_account_quota
    members = len(backend.accounts) - 1  # the management account is no member
    return min(max(10, members // 10), 1000)


def _patch_close() -> None:
    """CloseAccount: refusals, the quota, and PENDING_CLOSURE stamped on the account."""
    backend = org_models.OrganizationsBackend
    original = backend.close_account

    def close_account(self, **kwargs) -> None:
        if self.org is None:
            return original(self, **kwargs)  # AWSOrganizationsNotInUseException
        with lock:
            account_id = kwargs["AccountId"]
            if account_id == self.org.master_account_id:
                raise _refusal(MANAGEMENT_REFUSAL, "CANNOT_CLOSE_MANAGEMENT_ACCOUNT")
            account = self.get_account_by_id(account_id)
            if account.state in NOT_OPEN:
                raise AccountAlreadyClosedException
            now = time.time()
            recent = [at for at in _closures(self) if at > now - QUOTA_PERIOD]
            if len(recent) >= _quota(self):
                raise _refusal(QUOTA_REFUSAL, "CLOSE_ACCOUNT_QUOTA_EXCEEDED")
            account.state = account.status = "PENDING_CLOSURE"
            account.strict_closure_reads = settings.closure_polls_pending
            _closures(self).append(now)
        return None

    backend.close_account = close_account


def _patch_describe() -> None:
    """DescribeAccount of an account being closed counts a read; past the last, SUSPENDED."""
    backend = org_models.OrganizationsBackend
    original = backend.describe_account

    def describe_account(self, **kwargs):
        with lock:
            try:
                account = self.get_account_by_id(kwargs.get("AccountId"))
            except AccountNotFoundException:
                account = None
            if account is not None and account.state == "PENDING_CLOSURE":
                if getattr(account, "strict_closure_reads", 0) <= 0:
                    account.state = account.status = "SUSPENDED"
                else:
                    account.strict_closure_reads -= 1
        return original(self, **kwargs)

    backend.describe_account = describe_account


def patch() -> None:
    """Patch moto's Organizations backend (once, from `install()`, after `accounts.patch()`)."""
    _patch_close()
    _patch_describe()
