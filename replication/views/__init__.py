"""Pages of the replication app: accounts with their runs, re-syncs, batches, run history,
unmanaged accounts."""

from .account import project_account_detail, project_account_live, project_account_resync
from .batches import (
    batch_detail,
    batch_progress,
    project_account_list,
    resync_platform,
    resync_selected,
)
from .dashboard import dashboard
from .discovery import discover_platform, unmanaged_account_list
from .runs import replication_run_export, replication_run_list

__all__ = [
    "batch_detail",
    "batch_progress",
    "dashboard",
    "discover_platform",
    "project_account_detail",
    "project_account_list",
    "project_account_live",
    "project_account_resync",
    "replication_run_export",
    "replication_run_list",
    "resync_platform",
    "resync_selected",
    "unmanaged_account_list",
]
