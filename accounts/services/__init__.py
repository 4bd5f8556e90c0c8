"""Every write of the accounts app, each in a transaction with its audit event."""

from .bulk_enable import EnableRefused, EnableResult, projects_enable
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
from .retirement import (
    account_detach,
    account_id_release,
    deletion_approve,
    deletion_decline,
    deletion_request,
    retirement_complete,
)
from .staff import (
    api_token_create,
    api_token_revoke,
    generate_password,
    staff_password_set,
    staff_role_set,
    staff_user_create,
    staff_user_deactivate,
    staff_user_reactivate,
)

__all__ = [
    "account_detach",
    "account_id_release",
    "deletion_approve",
    "deletion_decline",
    "deletion_request",
    "EnableRefused",
    "EnableResult",
    "projects_enable",
    "retirement_complete",
    "api_token_create",
    "api_token_revoke",
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
    "staff_password_set",
    "staff_role_set",
    "staff_user_create",
    "staff_user_deactivate",
    "staff_user_reactivate",
]
