"""The rows of the operator form: role mappings and landing zones, one formset each."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.forms import formset_factory

from . import mapping
from .platform import DocumentField

LINES = re.compile(r"[\s,]+")
# A landing zone's own mapping line names permission sets when its first word is one.
PERMISSION_SET = re.compile(r"arn:[^:]*:sso:::permissionSet/")


class RoleMappingForm(forms.Form):
    """One row of the platform's role mappings."""

    project_role = forms.CharField(max_length=50, required=False)
    role_name = forms.CharField(label="IAM role name", max_length=64, required=False)
    policy_arns = forms.CharField(
        label="Policy ARNs", required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        help_text="one per line, at most 10",
    )  # fmt: skip
    permission_set_arns = forms.CharField(
        label="Permission set ARNs", required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        help_text="Identity Center mode: one per line, 1 to 10",
    )  # fmt: skip

    def clean_policy_arns(self) -> list[str]:
        """One ARN per line (or separated by commas or spaces)."""
        return [arn for arn in LINES.split(self.cleaned_data["policy_arns"]) if arn]

    def clean_permission_set_arns(self) -> list[str]:
        """One ARN per line (or separated by commas or spaces)."""
        return [arn for arn in LINES.split(self.cleaned_data["permission_set_arns"]) if arn]

    def record_entry(self) -> dict[str, Any]:
        """The row as a `roleMappings` entry."""
        return mapping.record_from_form(mapping.ROLE_MAPPING, self.cleaned_data)


class LandingZoneForm(forms.Form):
    """One row of the platform's landing zones."""

    identifier = forms.CharField(max_length=63, required=False)
    display_name = forms.CharField(max_length=100, required=False)
    target_organizational_unit = forms.CharField(
        label="Target OU or root", max_length=70, required=False, help_text="ou-… or r-…"
    )
    stack_set_name = forms.CharField(
        label="Existing StackSet", max_length=128, required=False,
        help_text="or give a bootstrap template below",
    )  # fmt: skip
    stack_set_region = forms.CharField(max_length=32, required=False)
    bootstrap_template = DocumentField(
        label="Bootstrap template (CloudFormation YAML or JSON)", required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )  # fmt: skip
    replaces_role_mappings = forms.BooleanField(
        label="Own role mappings replace the platform's", required=False
    )
    role_mappings = forms.CharField(
        label="Own role mappings", required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        help_text="one per line: project-role: IAM-role-name [policy ARN …], or in Identity "
        "Center mode project-role: permission-set-ARN …",
    )  # fmt: skip
    disabled = forms.BooleanField(required=False)
    retired_organizational_unit = forms.CharField(
        label="Retired accounts' OU", max_length=70, required=False,
        help_text="ou-… or r-…, not the target OU; empty: a retired account stays where it is",
    )  # fmt: skip
    close_account_on_deletion = forms.BooleanField(
        label="Close the AWS account when retired", required=False
    )
    automate_deletion_approval = forms.BooleanField(
        label="Approve deletion requests at once", required=False,
        help_text="no second operator approves them",
    )  # fmt: skip

    def clean_role_mappings(self) -> list[dict[str, Any]]:
        entries = []
        for number, line in enumerate(self.cleaned_data["role_mappings"].splitlines(), start=1):
            if not line.strip():
                continue
            key, colon, rest = line.partition(":")
            words = rest.split()
            if not colon or not key.strip() or not words:
                raise forms.ValidationError(
                    f"line {number}: write it as project-role: IAM-role-name [policy ARN …] "
                    "or project-role: permission-set-ARN …"
                )
            if PERMISSION_SET.match(words[0]):
                value = {"permissionSetArns": words}
            else:
                value = {"roleName": words[0], "policyArns": words[1:]}
            entries.append({"mapKey": key.strip(), "mapValue": value})
        return entries

    def record_entry(self) -> dict[str, Any]:
        """The row as a `landingZones` entry; its own role mappings only when they replace."""
        data = self.cleaned_data
        own = data.get("role_mappings") if data.get("replaces_role_mappings") else None
        return {**mapping.record_from_form(mapping.LANDING_ZONE, data), "roleMappings": own}

    @staticmethod
    def initial_of(zone) -> dict[str, Any]:
        """The row's initial values from a landing zone of the record."""
        return {
            **mapping.initial_from(mapping.LANDING_ZONE, zone),
            "replaces_role_mappings": zone.role_mappings is not None,
            "role_mappings": "\n".join(
                f"{m.project_role}: {m.role_name} {' '.join(m.policy_arns)}".rstrip()
                if not m.permission_set_arns
                else f"{m.project_role}: {' '.join(m.permission_set_arns)}"
                for m in zone.role_mappings or ()
            ),
        }


RoleMappingFormSet = formset_factory(RoleMappingForm, extra=2, can_delete=True)
LandingZoneFormSet = formset_factory(LandingZoneForm, extra=1, can_delete=True)
