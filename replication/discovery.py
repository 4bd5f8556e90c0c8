"""Discovery: every account of a platform's organization, and which of them meshaws does not
manage (`UnmanagedAccount`), so that an operator can see and adopt them.

A scan reads the organization with the platform's management role: ListAccounts (paginated),
then each account's parent (ListParents) and tags (ListTagsForResource). An account that is
managed, or has left the organization, loses its row: the table is the organization as the last
scan saw it, and each scan's counts are in its audit event.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

import aws
from accounts.models import ProjectAccount
from audit.services import audit_event_create
from platforms.access import platform_access, service_credentials
from platforms.models import PlatformInstance
from platforms.organizations import organization_platforms

from .models import UnmanagedAccount

SESSION_NAME = "meshaws-discovery"


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


def organization_client(platform: PlatformInstance):
    """An Organizations client of the platform's management role."""
    access = platform_access(platform)
    management = aws.assumed_role(
        credentials=service_credentials(access),
        role_arn=access.management_role,
        external_id=access.management_external_id or None,
        session_name=SESSION_NAME,
        region=access.region,
        endpoint_url=access.endpoint_url or None,
    )
    return aws.client(
        "organizations",
        region=aws.ORGANIZATIONS_REGION,
        credentials=management,
        endpoint_url=access.endpoint_url or None,
    )


def organization_accounts(org) -> list[FoundAccount]:
    """Every account of the organization, with its parent, state and tags."""
    found = []
    for account in aws.paginate(org, "list_accounts", "Accounts"):
        account_id = account["Id"]
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
    return found


def managed_account_ids(platform: PlatformInstance) -> set[str]:
    """The AWS account ids live project accounts manage on the platform's organization."""
    return set(
        ProjectAccount.objects.filter(
            deleted_at__isnull=True,
            aws_account_id__isnull=False,
            platform__in=organization_platforms(platform),
        ).values_list("aws_account_id", flat=True)
    )


def discovery_run(*, platform: PlatformInstance, actor: AbstractBaseUser | None) -> DiscoveryResult:
    """Scan the platform's organization and record its unmanaged accounts; audited."""
    found = organization_accounts(organization_client(platform))
    now = timezone.now()
    with transaction.atomic():
        # Read under the transaction: an account adopted during the AWS calls counts as managed.
        managed = managed_account_ids(platform)
        unmanaged = [account for account in found if account.aws_account_id not in managed]
        rows = UnmanagedAccount.objects.select_for_update().filter(platform=platform)
        known = {row.aws_account_id: row for row in rows}
        gone = set(known) - {account.aws_account_id for account in unmanaged}
        UnmanagedAccount.objects.filter(platform=platform, aws_account_id__in=gone).delete()
        # Two statements whatever the organization's size: one insert, one update.
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
                account.parent_id, account.state, account.tags, now,
            )  # fmt: skip
        UnmanagedAccount.objects.bulk_create(created)
        UnmanagedAccount.objects.bulk_update(
            updated, ["name", "email", "parent_id", "state", "tags", "last_seen"]
        )
        result = DiscoveryResult(
            accounts=len(found), unmanaged=len(unmanaged), new=len(created), gone=len(gone)
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
