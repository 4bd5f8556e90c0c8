"""meshaws' AWS integration, and the only package that imports boto3 and botocore.

Model-free (no Django): sessions and clients (`clients`), credential sources (`credentials`,
`roles`), error mapping (`errors`), call capture (`capture`) and shared facts (`constants`).
Everything else calls `aws.call(...)`, `aws.assumed_role(...)`, and sees failures only as
`aws.AwsError`.

The names here are re-exports: a test that replaces a function the package itself calls
patches the module that defines and calls it (`aws.capture.capture_call`,
`aws.roles.assume_role` as `assumed_role` calls it, `aws.roles.CREDENTIALS_REFRESH_MARGIN`).
"""

from .capture import AwsCall, capturing
from .clients import call, client, paginate, shared_session
from .constants import ORGANIZATIONS_REGION, known_regions
from .credentials import Credentials, default_chain_credentials, default_chain_method
from .errors import (
    ACCESS_DENIED_CODES,
    INVALID_KEY_CODES,
    TRANSIENT_ERROR_CODES,
    UNREACHABLE_CODES,
    AwsError,
)
from .roles import (
    assume_role,
    assumed_role,
    forget_credentials,
    web_identity_credentials,
)

__all__ = [
    "ACCESS_DENIED_CODES",
    "INVALID_KEY_CODES",
    "ORGANIZATIONS_REGION",
    "TRANSIENT_ERROR_CODES",
    "UNREACHABLE_CODES",
    "AwsCall",
    "AwsError",
    "Credentials",
    "assume_role",
    "assumed_role",
    "call",
    "client",
    "default_chain_credentials",
    "default_chain_method",
    "forget_credentials",
    "known_regions",
    "paginate",
    "capturing",
    "shared_session",
    "web_identity_credentials",
]
