"""Permissions of customers, projects and accounts, as the code checks them (see roles.py)."""

VIEW_CUSTOMERS = "accounts.view_customer"
ADD_CUSTOMER = "accounts.add_customer"
VIEW_PROJECTS = "accounts.view_project"
ADD_PROJECT = "accounts.add_project"
CHANGE_PROJECT = "accounts.change_project"
VIEW_BINDINGS = "accounts.view_binding"
ADD_BINDING = "accounts.add_binding"
CHANGE_BINDING = "accounts.change_binding"
DELETE_BINDING = "accounts.delete_binding"
VIEW_PROJECT_ACCOUNTS = "accounts.view_projectaccount"
ADD_PROJECT_ACCOUNT = "accounts.add_projectaccount"
# Custom (ProjectAccount.Meta.permissions), NetBox's `sync` pattern: operators and support staff
# request a run; nobody adds one by hand.
RESYNC_APP, RESYNC_MODEL, RESYNC_CODENAME = "accounts", "projectaccount", "resync"
RESYNC = f"{RESYNC_APP}.{RESYNC_CODENAME}"
# Retiring accounts (ProjectAccount.Meta.permissions): operators hold them; support staff and
# auditors only read the retirements.
VIEW_RETIREMENTS = "accounts.view_accountretirement"
REQUEST_DELETION = "accounts.request_deletion"
APPROVE_DELETION = "accounts.approve_deletion"
DETACH = "accounts.detach"
RELEASE = "accounts.release"
