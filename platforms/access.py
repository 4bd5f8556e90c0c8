"""How meshaws reaches a platform: its access, and where its AWS credentials come from.

Every role meshaws assumes is assumed with these credentials: the replication steps (through
RunContext.service_user) and the connection check both get them here.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws

from . import secrets


@dataclass(frozen=True)
class PlatformAccess:
    """How to reach a platform: its credentials (keys, web identity or neither) and roles."""

    region: str
    endpoint_url: str
    service_user_access_key: str
    service_user_secret_key: str
    management_role: str
    management_external_id: str
    automation_role: str
    automation_external_id: str
    privileged_external_id: str
    web_identity_role_arn: str = ""
    web_identity_token_file: str = ""
    # Identity Center mode: its region, and the delegated administrator's role (empty: the
    # Identity Center calls go through the management role).
    identity_center_region: str = ""
    identity_center_role: str = ""
    identity_center_external_id: str = ""

    def __repr__(self) -> str:  # keys never reach a log line
        return f"PlatformAccess(management_role={self.management_role!r})"


def platform_access(platform) -> PlatformAccess:
    """The platform's decrypted access configuration (kept in memory only for the run)."""
    privileged = platform.privileged_external_id_ciphertext
    return PlatformAccess(
        region=platform.region,
        endpoint_url=platform.endpoint_url,
        service_user_access_key=_decrypted(platform.access_key_ciphertext),
        service_user_secret_key=_decrypted(platform.secret_key_ciphertext),
        management_role=platform.organization_root_account_role,
        management_external_id=platform.organization_root_account_external_id,
        automation_role=platform.automation_account_role,
        automation_external_id=platform.automation_account_external_id,
        privileged_external_id=_decrypted(privileged),
        web_identity_role_arn=platform.web_identity_role_arn,
        web_identity_token_file=platform.web_identity_token_file,
        identity_center_region=platform.identity_center_region,
        identity_center_role=platform.identity_center_role_arn,
        identity_center_external_id=platform.identity_center_external_id,
    )


def _decrypted(ciphertext: str) -> str:
    return secrets.decrypt(ciphertext) if ciphertext else ""


# RoleSessionName of AssumeRoleWithWebIdentity: 2-64 of [\w+=,.@-] (STS API reference).
WEB_IDENTITY_SESSION_NAME = "meshaws"


def credential_source(access: PlatformAccess) -> str:
    """The source, in the operator's words (never a secret)."""
    if access.service_user_access_key:
        return "the service user's access keys"
    if access.web_identity_role_arn:
        return (
            f"web identity: {access.web_identity_role_arn} with the token in "
            f"{access.web_identity_token_file}"
        )
    return "the default credential chain"


def service_credentials(
    access: PlatformAccess, *, fresh: bool = False, max_attempts: int | None = None
) -> aws.Credentials:
    """The credentials meshaws starts from on this platform.

    `fresh` assumes the web identity role now instead of reusing its credentials; the default
    chain's credentials refresh themselves.
    """
    if access.service_user_access_key:
        return aws.Credentials(access.service_user_access_key, access.service_user_secret_key)
    if access.web_identity_role_arn:
        return aws.web_identity_credentials(
            role_arn=access.web_identity_role_arn,
            token_file=access.web_identity_token_file,
            session_name=WEB_IDENTITY_SESSION_NAME,
            region=access.region,
            endpoint_url=access.endpoint_url or None,
            max_attempts=max_attempts,
            fresh=fresh,
        )
    return aws.default_chain_credentials()
