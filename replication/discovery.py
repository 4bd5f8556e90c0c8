"""Discovery: every account of a platform's organization, and which of them meshaws does not
manage (`UnmanagedAccount`), so that an operator can see and adopt them.

A scan (`DiscoveryScan`) reads the organization with the platform's management role:
ListAccounts (paginated), then each unmanaged account's parent (ListParents) and tags
(ListTagsForResource), writing its progress to the scan as it goes. An account that is
managed, or has left the organization, loses its row: the table is the organization as the
last scan saw it, and each scan's counts are in its audit event. A job runs a scan
(`scan_execute`; requested through `replication/scans.py`); the command runs one inline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

import aws
from accounts.models import ProjectAccount
from audit.services import audit_event_create
from platforms.access import platform_access, service_credentials
from platforms.models import PlatformInstance
from platforms.organizations import organization_platforms
from platforms.secrets import SecretUnreadable

from .models import DiscoveryScan, UnmanagedAccount

logger = logging.getLogger(__name__)

SESSION_NAME = "meshaws-discovery"
# The scan writes its progress every this many accounts (and after each ListAccounts page).
PROGRESS_EVERY = 20
# A scan running longer than this has lost its worker (it died, or the job timed out): the
# sweep fails it. The job's own timeout is the same, so a live scan never outlasts it.
SCAN_LEASE = timedelta(hours=2)


@dataclass(frozen=True)
class FoundAccount:
    """One account of the organization, as AWS describes it."""

    aws_account_id: str
    name: str
    email: str
    parent_id: str
    state: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DiscoveryResult:
    """What a scan found: accounts in the organization, unmanaged ones, new and gone rows."""

    accounts: int
    unmanaged: int
    new: int
    gone: int


def organization_client(platform: PlatformInstance, max_attempts: int | None = None):
    """An Organizations client of the platform's management role.

    `max_attempts` bounds the retries of every call, the role's assumption included (a check
    a person waits for); without it the role's credentials are the cached ones.
    """
    access = platform_access(platform)
    role = {
        "credentials": service_credentials(access, max_attempts=max_attempts),
        "role_arn": access.management_role,
        "external_id": access.management_external_id or None,
        "session_name": SESSION_NAME,
        "region": access.region,
        "endpoint_url": access.endpoint_url or None,
    }
    if max_attempts is None:
        management = aws.assumed_role(**role)
    else:
        management = aws.assume_role(**role, max_attempts=max_attempts)
    return aws.client(
        "organizations",
        region=aws.ORGANIZATIONS_REGION,
        credentials=management,
        endpoint_url=access.endpoint_url or None,
        max_attempts=max_attempts,
    )


def managed_account_ids(platform: PlatformInstance) -> set[str]:
    """The AWS account ids project accounts hold on the platform's organization.

    Any lifecycle counts until the id is released: a deleted account's id is its history, not
    an account to adopt; a detached or released one shows up as unmanaged again.
    """
    return set(
        ProjectAccount.objects.filter(
            released_at__isnull=True,
            aws_account_id__isnull=False,
            platform__in=organization_platforms(platform),
        ).values_list("aws_account_id", flat=True)
    )


Progress = Callable[..., None]


def organization_accounts(org, managed: set[str], progress: Progress) -> tuple[int, list]:
    """How many accounts the organization has, and its unmanaged ones with parent and tags.

    `progress(accounts_listed=…, accounts_read=…, unmanaged_found=…)` is called after each
    ListAccounts page and every PROGRESS_EVERY accounts read.
    """
    listed = []
    for account in aws.paginate(org, "list_accounts", "Accounts"):
        listed.append(account)
        if len(listed) % PROGRESS_EVERY == 0:
            progress(accounts_listed=len(listed))
    progress(accounts_listed=len(listed))
    found = []
    for read, account in enumerate(listed, start=1):
        account_id = account["Id"]
        # A managed account's parent and tags are the replication's business: not read here.
        if account_id not in managed:
            parents = aws.call(org, "list_parents", ChildId=account_id)["Parents"]
            tags = aws.paginate(org, "list_tags_for_resource", "Tags", ResourceId=account_id)
            found.append(
                FoundAccount(
                    aws_account_id=account_id,
                    name=account.get("Name", ""),
                    email=account.get("Email", ""),
                    parent_id=parents[0]["Id"] if parents else "",
                    # `State` only: AWS retired `Status` on 2026-09-09 (see steps/creation.py).
                    state=account.get("State", ""),
                    tags={tag["Key"]: tag["Value"] for tag in tags},
                )
            )
        if read % PROGRESS_EVERY == 0:
            progress(accounts_read=read, unmanaged_found=len(found))
    return len(listed), found


def _record(
    platform: PlatformInstance, count: int, unmanaged: list[FoundAccount], actor
) -> DiscoveryResult:
    """Write the unmanaged accounts' rows (two statements whatever the size); audited."""
    now = timezone.now()
    with transaction.atomic():
        # Read under the transaction: an account adopted during the AWS calls counts as managed.
        managed = managed_account_ids(platform)
        unmanaged = [account for account in unmanaged if account.aws_account_id not in managed]
        rows = UnmanagedAccount.objects.select_for_update().filter(platform=platform)
        known = {row.aws_account_id: row for row in rows}
        gone = set(known) - {account.aws_account_id for account in unmanaged}
        UnmanagedAccount.objects.filter(platform=platform, aws_account_id__in=gone).delete()
        created, updated = [], []
        for account in unmanaged:
            row = known.get(account.aws_account_id)
            if row is None:
                row = UnmanagedAccount(
                    platform=platform, aws_account_id=account.aws_account_id, first_seen=now
                )
                created.append(row)
            else:
                updated.append(row)
            row.name, row.email = account.name[:50], account.email[:64]  # AWS's own limits
            row.parent_id, row.state, row.tags, row.last_seen = (
                account.parent_id[:68], account.state[:32], account.tags, now,
            )  # fmt: skip
        UnmanagedAccount.objects.bulk_create(created)
        UnmanagedAccount.objects.bulk_update(
            updated, ["name", "email", "parent_id", "state", "tags", "last_seen"]
        )
        result = DiscoveryResult(
            accounts=count, unmanaged=len(unmanaged), new=len(created), gone=len(gone)
        )
        audit_event_create(
            actor=actor, action="platform.discover", object_type="platform",
            object_id=platform.pk, object_repr=platform.full_identifier,
            after={
                "accounts": result.accounts, "unmanaged": result.unmanaged,
                "new": result.new, "gone": result.gone,
            },
        )  # fmt: skip
    return result


def discovery_run(
    *, platform: PlatformInstance, actor: AbstractBaseUser | None, progress: Progress | None = None
) -> DiscoveryResult:
    """Scan the platform's organization and record its unmanaged accounts; audited.

    Raises aws.AwsError or SecretUnreadable when the organization cannot be read.
    """
    managed = managed_account_ids(platform)
    count, unmanaged = organization_accounts(
        organization_client(platform), managed, progress or (lambda **counts: None)
    )
    return _record(platform, count, unmanaged, actor)


def scan_failure(error: Exception) -> str:
    """What went wrong with a scan, in plain words (no secret, no stack)."""
    if isinstance(error, aws.AwsError):
        return f"{error.operation} answered {error.code}: {error.message}"[:2000]
    if isinstance(error, SecretUnreadable):
        return (
            "the platform's stored secrets cannot be read: the encryption key they were "
            "written with is not configured (MESHAWS_ENCRYPTION_KEYS)"
        )
    return f"the scan stopped on an unexpected {type(error).__name__}; the worker's log has it"


def _finish(scan_id, status: str, **fields) -> None:
    # Only a running scan ends here: the sweep may have failed it meanwhile.
    DiscoveryScan.objects.filter(pk=scan_id, status=DiscoveryScan.Status.RUNNING).update(
        status=status, finished_at=timezone.now(), **fields
    )


def scan_execute(scan_id) -> DiscoveryResult | None:
    """Run the queued scan `scan_id` to its end (succeeded or failed); None when it is not
    queued any more (another job took it, or it is over)."""
    claimed = DiscoveryScan.objects.filter(pk=scan_id, status=DiscoveryScan.Status.QUEUED).update(
        status=DiscoveryScan.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    scan = DiscoveryScan.objects.select_related("platform__location", "requested_by").get(
        pk=scan_id
    )

    def progress(**counts: int) -> None:
        DiscoveryScan.objects.filter(pk=scan_id).update(**counts)

    try:
        result = discovery_run(platform=scan.platform, actor=scan.requested_by, progress=progress)
    except (aws.AwsError, SecretUnreadable) as error:
        _finish(scan_id, DiscoveryScan.Status.FAILED, error=scan_failure(error))
        logger.warning("discovery of %s failed: %s", scan.platform, scan_failure(error))
        return None
    except Exception as error:
        # Recorded, so that the page does not show a scan running forever; then the worker's
        # log gets the traceback.
        _finish(scan_id, DiscoveryScan.Status.FAILED, error=scan_failure(error))
        raise
    _finish(
        scan_id, DiscoveryScan.Status.SUCCEEDED, accounts_listed=result.accounts,
        accounts_read=result.accounts, unmanaged_found=result.unmanaged,
    )  # fmt: skip
    return result
