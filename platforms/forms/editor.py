"""The operator form for a platform: its fields, its two formsets, and the record's errors."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from aws import known_regions
from platforms.config_io import PlatformRecord
from platforms.models import PlatformInstance

from . import mapping, sealed
from .platform import DEFAULT_CHAIN, PlatformForm
from .rows import LandingZoneForm, LandingZoneFormSet, RoleMappingFormSet

# A role mapping row's ARN lists: one box each, an error on an entry names its line.
ARN_LISTS = {
    "mapValue.policyArn": "policy_arns",
    "mapValue.permissionSetArns": "permission_set_arns",
}
PATH = re.compile(r"^(?P<list>roleMappings|landingZones)\[(?P<index>\d+)\](?:\.(?P<rest>.*))?$")


def initial_from_record(
    record: PlatformRecord, platform: PlatformInstance
) -> tuple[dict, list, list]:
    """Initial data of the three parts of the edit form, from the stored record."""
    platform_initial = {
        "location": platform.location.identifier,
        "display_name": platform.display_name,
        "credential_source": DEFAULT_CHAIN,  # unless a credentials group is in the record
        "access_mode": PlatformInstance.AccessMode.NONE,  # unless an access group is
        **mapping.initial_from(mapping.PLATFORM, record),
    }
    mappings = [mapping.initial_from(mapping.ROLE_MAPPING, m) for m in record.role_mappings]
    zones = [LandingZoneForm.initial_of(zone) for zone in record.landing_zones]
    return platform_initial, mappings, zones


def region_choices() -> list[str]:
    """Region names for the form's suggestion list."""
    return sorted(known_regions())


class PlatformEditor:
    """The platform form with its two formsets, and the record errors mapped back onto them."""

    def __init__(self, data=None, *, platform: PlatformInstance | None = None, initial=None):
        platform_initial, mappings, zones = initial or ({}, [], [])
        # Secrets typed on an earlier page come back sealed; the page sends them on, sealed.
        data = sealed.unseal(data) if data is not None else None
        self.sealed_secrets = sealed.seal(data) if data is not None else ""
        self.form = PlatformForm(data, platform=platform, initial=platform_initial)
        self.role_mappings = RoleMappingFormSet(data, prefix="rm", initial=mappings)
        self.landing_zones = LandingZoneFormSet(data, prefix="lz", initial=zones)
        if data is not None:
            self.form.note_kept_secrets(sealed.typed_secrets(data))
        self._mapping_rows: list[int] = []
        self._zone_rows: list[int] = []
        self._refused: set[tuple[str | None, str]] = set()

    def is_valid(self) -> bool:
        """Whether every part parsed (types, required fields); the record rules come next."""
        parts = [self.form.is_valid(), self.role_mappings.is_valid(), self.landing_zones.is_valid()]
        return all(parts)

    def _kept_rows(self, formset) -> list[tuple[int, forms.Form]]:
        return [
            (index, row)
            for index, row in enumerate(formset.forms)
            if not row.cleaned_data.get("DELETE")
            and any(value for key, value in row.cleaned_data.items() if key != "DELETE")
        ]

    def record_data(self) -> dict[str, Any]:
        """The whole record from the form, remembering which form row each list entry is."""
        data = self.form.record_data()
        mapping_rows = self._kept_rows(self.role_mappings)
        zone_rows = self._kept_rows(self.landing_zones)
        self._mapping_rows = [index for index, _ in mapping_rows]
        self._zone_rows = [index for index, _ in zone_rows]
        data["roleMappings"] = [row.record_entry() for _, row in mapping_rows]
        data["landingZones"] = [row.record_entry() for _, row in zone_rows]
        return data

    def add_record_errors(self, errors: dict[str, list[str]]) -> None:
        """Put each `path: messages` error on the field (or row) the path names.

        A field the form already refused (not a number, say) keeps its own error: the record
        saw no value there and would only add "required".
        """
        forms_ = [self.form, *self.role_mappings.forms, *self.landing_zones.forms]
        self._refused = {(form.prefix, name) for form in forms_ for name in form.errors}
        for path, messages in errors.items():
            for message in messages:
                self._add_error(path, message)

    def _put(self, form: forms.Form, field: str | None, message: str) -> None:
        if field is not None and (form.prefix, field) in self._refused:
            return
        form.add_error(field, message)

    def _add_error(self, path: str, message: str) -> None:
        match = PATH.match(path)
        if match is None:
            field = mapping.FIELD_OF_PATH.get(path)
            if field in self.form.fields:
                self._put(self.form, field, message)
            else:
                self._put(self.form, None, f"{path}: {message}")
            return
        index, rest = int(match["index"]), match["rest"] or ""
        if match["list"] == "roleMappings":
            row = self.role_mappings.forms[self._mapping_rows[index]]
            field = mapping.ROLE_MAPPING_FIELD.get(rest)
            prefix = next((key for key in ARN_LISTS if rest.startswith(key)), None)
            if field is None and prefix is not None:
                field = ARN_LISTS[prefix]
                line = re.search(r"\[(\d+)\]$", rest)
                message = f"line {int(line[1]) + 1}: {message}" if line else message
        else:
            row = self.landing_zones.forms[self._zone_rows[index]]
            field = mapping.LANDING_ZONE_FIELD.get(rest)
            if field is None and rest.startswith("roleMappings"):
                field = "role_mappings"
                message = f"{rest}: {message}"
        self._put(row, field if field in row.fields else None, message)

    @property
    def error_links(self) -> list[tuple[str, str, str]]:
        """(where, message, anchor) for every error, for the summary above the form."""
        summary = []
        for name, errors in self.form.errors.items():
            if name == "__all__":
                where, anchor = "Platform", "platform-form"
            else:
                where, anchor = str(self.form[name].label), self.form[name].auto_id
            summary += [(where, str(error), anchor) for error in errors]
        parts = (("Role mapping", self.role_mappings), ("Landing zone", self.landing_zones))
        for title, formset in parts:
            summary += [(title + "s", str(error), formset.prefix) for error in
                        formset.non_form_errors()]  # fmt: skip
            for number, row in enumerate(formset.forms, start=1):
                for name, errors in row.errors.items():
                    where, anchor = f"{title} {number}", f"{row.prefix}-row"
                    if name != "__all__":
                        where += f", {row[name].label}"
                        anchor = row[name].auto_id
                    summary += [(where, str(error), anchor) for error in errors]
        return summary

    @property
    def error_summary(self) -> list[tuple[str, str]]:
        """(where, message) for every error."""
        return [(where, message) for where, message, _ in self.error_links]
