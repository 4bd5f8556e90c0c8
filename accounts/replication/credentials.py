"""Where a platform's AWS credentials come from: stored keys, web identity, or the default chain.

Every role meshaws assumes is assumed with these credentials: the replication steps (through
RunContext.service_user) and the connection check both get them here.
"""

from __future__ import annotations

import aws
from accounts.replication.desired import PlatformAccess

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
