"""Every write of the accounts app, each in a transaction with its audit event."""

from .project_accounts import project_account_create, project_account_names
from .projects import (
    binding_create,
    binding_delete,
    binding_update,
    customer_create,
    customer_update,
    project_create,
    project_role_create,
    project_update,
)
from .staff import api_token_create, generate_password, staff_user_create

__all__ = [
    "api_token_create",
    "binding_create",
    "binding_delete",
    "binding_update",
    "customer_create",
    "customer_update",
    "generate_password",
    "project_account_create",
    "project_account_names",
    "project_create",
    "project_role_create",
    "project_update",
    "staff_user_create",
]
