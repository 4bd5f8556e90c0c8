"""Pages of the accounts app: customers, projects, bindings and the users bound."""

from .bulk_enable import projects_enable_page
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
    "projects_enable_page",
    "user_detail",
]
