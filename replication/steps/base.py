"""What every step shares: its context, its result, and how it says "wait" or "fail"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

import aws
from accounts.models import ProjectAccount
from platforms.access import PlatformAccess, service_credentials
from replication.desired import DesiredAccount
from replication.models import ReplicationStep


@dataclass(frozen=True)
class StepResult:
    """How a step ended: ok, changed, skipped or warning, with a remark and operator detail."""

    status: ReplicationStep.Status
    remark: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Deadline:
    """How long a wait for AWS or an AVM may last, counted from when the run began it.

    `kind` names the wait ("creation", "external-avm", …): a run that waits for another kind
    begins a new wait. At the deadline the run fails with `message`.
    """

    kind: str
    timeout: timedelta
    message: str


class StepWaiting(Exception):
    """AWS is still working (or not ready yet): the run is parked and tried again later.

    With a `deadline`, the wait ends at its own time (the engine fails the run then) and its
    attempts do not count towards the attempt limit; without one, they do. With `quota` (the
    kind of wait, as a Deadline's), AWS's quota refuses the call for now: the run waits as long
    as it takes, never failing and never counting the attempts.
    """

    def __init__(
        self,
        remark: str,
        retry_in: timedelta,
        *,
        queued: bool = False,
        deadline: Deadline | None = None,
        quota: str = "",
    ) -> None:
        super().__init__(remark)
        self.remark = remark
        self.retry_in = retry_in
        # Waiting in line for a creation slot is not a failing attempt: it never gives up.
        self.queued = queued
        self.deadline = deadline
        self.quota = quota


class StepFailed(Exception):
    """A permanent failure with what to do about it; `operation`/`code` when AWS said so."""

    def __init__(self, message: str, *, operation: str = "", code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.code = code


@dataclass
class RunContext:
    """One run's working state, passed from step to step."""

    account: ProjectAccount
    desired: DesiredAccount
    access: PlatformAccess
    attempt: int = 1
    management: aws.Credentials | None = None
    member: aws.Credentials | None = None
    notes: dict[str, Any] = field(default_factory=dict)
    # Set by the account step when a creation it followed ended (its slot is free again).
    creation_ended: bool = False
    # The run's wait in progress (Deadline.kind) and when it began, as the run stored them.
    wait_kind: str = ""
    waiting_since: datetime | None = None

    @property
    def account_id(self) -> str:
        return self.account.aws_account_id or ""

    def wait_began(self, kind: str) -> datetime | None:
        """When this run began its wait of `kind`, or None if it is not waiting for that."""
        return self.waiting_since if self.wait_kind == kind else None

    def service_user(self) -> aws.Credentials:
        """The credentials the roles are assumed with: keys, web identity or the default chain."""
        return service_credentials(self.access)

    def client(self, service: str, credentials: aws.Credentials, region: str | None = None):
        return aws.client(
            service,
            region=region or self.access.region,
            credentials=credentials,
            endpoint_url=self.access.endpoint_url or None,
        )

    def organizations(self):
        return self.client("organizations", self.management, region=aws.ORGANIZATIONS_REGION)

    def observe(self, field: str, actual: Any, wanted: Any) -> None:
        """Record what AWS has for `field` (alias, ou, tags, name) beside what is wanted, for
        the pages to show where they differ; written only when it changed."""
        found = {"actual": actual, "wanted": wanted}
        if self.account.actual.get(field) == found:
            return
        self.account.actual = {**self.account.actual, field: found}
        ProjectAccount.objects.filter(pk=self.account.pk).update(
            actual=self.account.actual, updated_at=timezone.now()
        )

    def save_account(self, **fields: Any) -> None:
        """Write account fields at once in their own committed transaction.

        The create-request id and account id must survive any crash that follows.
        """
        for name, value in fields.items():
            setattr(self.account, name, value)
        with transaction.atomic():
            ProjectAccount.objects.filter(pk=self.account.pk).update(**fields)
