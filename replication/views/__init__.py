"""Pages of the replication app: accounts with their runs, re-syncs, batches, run history,
unmanaged accounts, retirements."""

from .account import project_account_detail, project_account_live, project_account_resync
from .batches import (
    batch_detail,
    batch_progress,
    batch_retry_failed,
    project_account_list,
    resync_platform,
    resync_selected,
)
from .dashboard import dashboard
from .discovery import (
    adopt_csv,
    adopt_selected,
    discover_platform,
    discovery_progress,
    unmanaged_account_list,
)
from .retirements import (
    project_account_detach,
    project_account_release,
    project_account_retire,
    retirement_approve,
    retirement_decline,
    retirement_list,
)
from .retry import replication_run_retry
from .runs import replication_run_export, replication_run_list

__all__ = [
    "adopt_csv",
    "adopt_selected",
    "batch_detail",
    "batch_progress",
    "batch_retry_failed",
    "dashboard",
    "discover_platform",
    "discovery_progress",
    "project_account_detach",
    "project_account_detail",
    "project_account_list",
    "project_account_live",
    "project_account_release",
    "project_account_resync",
    "project_account_retire",
    "replication_run_export",
    "replication_run_list",
    "replication_run_retry",
    "resync_platform",
    "resync_selected",
    "retirement_approve",
    "retirement_decline",
    "retirement_list",
    "unmanaged_account_list",
]
