"""Accounts the sandbox's organization has without meshaws, so that a newcomer can discover
and adopt them: legacy-billing in the root, legacy-web in OU `legacy`, legacy-data in OU
`legacy/data` (nested). Idempotent: an account is found again by its e-mail and then left
where it is (adopted, meshaws may have moved it into a landing zone's OU).
"""

from __future__ import annotations

import aws

from .setup import ACCOUNT_ACCESS_ROLE, MANAGEMENT_CREDENTIALS, SANDBOX_MAX_ATTEMPTS, SandboxState

LEGACY_OU = "legacy"
# (name, e-mail, the OU path under the root it lives in)
UNMANAGED_ACCOUNTS = (
    ("legacy-billing", "sandbox+legacy-billing@meshaws.example.com", ()),
    ("legacy-web", "sandbox+legacy-web@meshaws.example.com", (LEGACY_OU,)),
    ("legacy-data", "sandbox+legacy-data@meshaws.example.com", (LEGACY_OU, "data")),
)


def _ou(org, parent_id: str, name: str) -> str:
    units = aws.paginate(
        org, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent_id
    )
    for unit in units:
        if unit["Name"] == name:
            return unit["Id"]
    created = aws.call(org, "create_organizational_unit", ParentId=parent_id, Name=name)
    return created["OrganizationalUnit"]["Id"]


def _new_account(org, name: str, email: str) -> str:
    # With the access role sandbox.local assumes in its accounts, as a real organization's
    # accounts need it before meshaws can adopt them.
    request = aws.call(
        org, "create_account", AccountName=name, Email=email, RoleName=ACCOUNT_ACCESS_ROLE
    )
    status = aws.call(
        org, "describe_create_account_status",
        CreateAccountRequestId=request["CreateAccountStatus"]["Id"],
    )  # fmt: skip
    return status["CreateAccountStatus"]["AccountId"]


def ensure_unmanaged_accounts(state: SandboxState) -> dict[str, str]:
    """Create (or find) the legacy accounts in their OUs; their ids by name.

    Call it after `setup.bootstrap` and before the emulator is made realistic (whose
    creations take seconds).
    """
    org = aws.client(
        "organizations", region=aws.ORGANIZATIONS_REGION, credentials=MANAGEMENT_CREDENTIALS,
        endpoint_url=state.endpoint_url, max_attempts=SANDBOX_MAX_ATTEMPTS,
    )  # fmt: skip
    listed = {
        account["Email"]: account["Id"]
        for account in aws.paginate(org, "list_accounts", "Accounts")
    }
    ids = {}
    for name, email, path in UNMANAGED_ACCOUNTS:
        parent_id = state.root_id
        for unit in path:
            parent_id = _ou(org, parent_id, unit)
        if email in listed:
            ids[name] = listed[email]
            continue
        ids[name] = _new_account(org, name, email)
        if parent_id != state.root_id:  # a new account starts in the root
            aws.call(
                org, "move_account", AccountId=ids[name], SourceParentId=state.root_id,
                DestinationParentId=parent_id,
            )  # fmt: skip
    return ids
