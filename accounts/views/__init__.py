"""Pages of the accounts app: customers, projects, bindings and the users bound."""

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
from .users import user_detail

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
    "user_detail",
]
