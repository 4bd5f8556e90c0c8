"""The platform record: parsing, validating and exporting the `Aws.dhall` configuration.

One record format serves the file import/export, the forms and the API: a mapping whose keys
are exactly the record's field names (../shared/reference/platform-example.json). Every value
is checked with platforms/patterns.py; every error is reported with its path in the record,
e.g. `roleMappings[1].mapValue.roleName`, and all errors are reported at once.
"""

from .destinations import SECRETS_CARRIED, secrets_to_type_again
from .files import RecordFileError, dump_json, load_record_text
from .parsing import RecordInvalid, parse_record
from .record import (
    DEFAULT_CUSTOMER_TAG_KEY,
    DEFAULT_PROJECT_TAG_KEY,
    LANDING_ZONE_KEYS,
    MAX_ACCOUNT_CREATION_CONCURRENCY,
    MAX_POLICIES_PER_ROLE,
    MAX_TIMEOUT_MINUTES,
    RECORD_KEYS,
    SECRET_PATHS,
    LandingZoneRecord,
    PlatformRecord,
    RoleMappingRecord,
    Secret,
    record_of,
)

__all__ = [
    "DEFAULT_CUSTOMER_TAG_KEY",
    "DEFAULT_PROJECT_TAG_KEY",
    "LANDING_ZONE_KEYS",
    "MAX_ACCOUNT_CREATION_CONCURRENCY",
    "MAX_POLICIES_PER_ROLE",
    "MAX_TIMEOUT_MINUTES",
    "RECORD_KEYS",
    "SECRETS_CARRIED",
    "SECRET_PATHS",
    "LandingZoneRecord",
    "PlatformRecord",
    "RecordFileError",
    "RecordInvalid",
    "RoleMappingRecord",
    "Secret",
    "dump_json",
    "load_record_text",
    "parse_record",
    "record_of",
    "secrets_to_type_again",
]
