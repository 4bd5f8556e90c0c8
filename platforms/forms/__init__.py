"""Operator forms for platforms. They collect input; config_io.parse_record validates it.

The form turns its fields into the record format and lets the record parser (and through it
patterns) judge it, then puts each error back on the field its path names (mapping.py, from
the record's declaration). That keeps one set of rules for forms, file import and the API.
"""

from .editor import PlatformEditor, initial_from_record, region_choices
from .mapping import FIELD_OF_PATH, SECRET_FIELDS
from .platform import ACCESS_KEYS, DEFAULT_CHAIN, WEB_IDENTITY, PlatformForm
from .rows import LandingZoneForm, LandingZoneFormSet, RoleMappingForm, RoleMappingFormSet

__all__ = [
    "ACCESS_KEYS",
    "DEFAULT_CHAIN",
    "FIELD_OF_PATH",
    "SECRET_FIELDS",
    "WEB_IDENTITY",
    "LandingZoneForm",
    "LandingZoneFormSet",
    "PlatformEditor",
    "PlatformForm",
    "RoleMappingForm",
    "RoleMappingFormSet",
    "initial_from_record",
    "region_choices",
]
