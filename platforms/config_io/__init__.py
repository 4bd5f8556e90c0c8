"""The platform record: parsing, validating and exporting the `Aws.dhall` configuration.

One record format serves the file import/export, the forms and the API: a mapping whose keys
are exactly the record's field names (docs/reference/platform-example.json), declared
once in declaration.py. Every value is checked with platforms/patterns; every error is
reported with its path in the record, e.g. `roleMappings[1].mapValue.roleName`, and all
errors are reported at once.
"""

from .declaration import (
    KEYS_AFFECTING_EVERY_ACCOUNT,
    LANDING_ZONE_KEYS,
    RECORD_KEYS,
    SECRET_PATHS,
    PlatformConfig,
    export,
)
from .destinations import SECRETS_CARRIED, secrets_to_type_again
from .files import RecordFileError, dump_json, load_record_text
from .parsing import RecordInvalid, parse_record
from .record import (
    DEFAULT_CUSTOMER_TAG_KEY,
    DEFAULT_PROJECT_TAG_KEY,
    MAX_ACCOUNT_CREATION_CONCURRENCY,
    MAX_PERMISSION_SETS_PER_ROLE,
    MAX_POLICIES_PER_ROLE,
    MAX_TIMEOUT_MINUTES,
    IdentityCenterRecord,
    LandingZoneRecord,
    PlatformRecord,
    RoleMappingRecord,
    Secret,
)
from .stored import record_of

__all__ = [
    "DEFAULT_CUSTOMER_TAG_KEY",
    "DEFAULT_PROJECT_TAG_KEY",
    "KEYS_AFFECTING_EVERY_ACCOUNT",
    "LANDING_ZONE_KEYS",
    "MAX_ACCOUNT_CREATION_CONCURRENCY",
    "MAX_PERMISSION_SETS_PER_ROLE",
    "MAX_POLICIES_PER_ROLE",
    "MAX_TIMEOUT_MINUTES",
    "RECORD_KEYS",
    "SECRETS_CARRIED",
    "SECRET_PATHS",
    "IdentityCenterRecord",
    "LandingZoneRecord",
    "PlatformConfig",
    "PlatformRecord",
    "RecordFileError",
    "RecordInvalid",
    "RoleMappingRecord",
    "Secret",
    "dump_json",
    "export",
    "load_record_text",
    "parse_record",
    "record_of",
    "secrets_to_type_again",
]
