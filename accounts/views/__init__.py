"""Pages of the accounts app: customers, projects and bindings."""

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

__all__ = [
    "binding_add",
    "binding_edit",
    "binding_remove",
    "customer_detail",
    "customer_list",
    "project_create",
    "project_detail",
    "project_edit",
    "project_enable",
    "project_list",
]
