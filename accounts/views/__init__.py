"""Pages of the accounts app, one module per area."""

from .account import project_account_detail, project_account_live, project_account_resync
from .batches import (
    batch_detail,
    batch_progress,
    project_account_list,
    resync_platform,
    resync_selected,
)
from .projects import (
    binding_add,
    binding_edit,
    binding_remove,
    customer_detail,
    customer_list,
    project_create,
    project_detail,
    project_edit,
    project_enable,
    project_list,
)
from .runs import replication_run_export, replication_run_list

__all__ = [
    "project_account_detail",
    "project_account_live",
    "project_account_resync",
    "batch_detail",
    "batch_progress",
    "resync_platform",
    "resync_selected",
    "binding_add",
    "binding_edit",
    "binding_remove",
    "customer_detail",
    "customer_list",
    "project_account_list",
    "project_create",
    "project_detail",
    "project_edit",
    "project_enable",
    "project_list",
    "replication_run_export",
    "replication_run_list",
]
