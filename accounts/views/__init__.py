"""Pages of the accounts app, one module per area."""

from .projects import (
    binding_add,
    binding_edit,
    binding_remove,
    customer_detail,
    customer_list,
    project_account_list,
    project_create,
    project_detail,
    project_edit,
    project_enable,
    project_list,
    replication_run_list,
)

__all__ = [
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
    "replication_run_list",
]
