"""Operator forms for platforms. They collect input; config_io.parse_record validates it.

The form turns its fields into the record format and lets the record parser (and through it
patterns.py) judge it, then puts each error back on the field its path names. That keeps one
set of rules for forms, file import and the API.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.forms import formset_factory

from aws import known_regions

from . import patterns
from .config_io import PlatformRecord
from .models import Location, PlatformInstance

LINES = re.compile(r"[\s,]+")

# Record path → form field, for the platform's own fields.
FIELD_OF_PATH = {
    "platform": "identifier",
    "region": "region",
    "meshfedServiceUser": "access_key",
    "meshfedServiceUser.accessKey": "access_key",
    "meshfedServiceUser.secretKey": "secret_key",
    "organizationRootAccountRole": "organization_root_account_role",
    "organizationRootAccountExternalId": "organization_root_account_external_id",
    "automationAccountRole": "automation_account_role",
    "automationAccountExternalId": "automation_account_external_id",
    "waitForExternalAvm": "wait_for_external_avm",
    "meshProvisioning": "provisioning",
    "meshProvisioning.accountEmailTemplate": "account_email_template",
    "externalProvisioning": "provisioning",
    "externalProvisioning.timeoutMinutes": "external_timeout_minutes",
    "externalProvisioning.customerTagKey": "external_customer_tag_key",
    "externalProvisioning.projectTagKey": "external_project_tag_key",
    "accountAccessRole": "account_access_role",
    "accountAliasPattern": "account_alias_pattern",
    "privilegedExternalId": "privileged_external_id",
    "enforceAccountAlias": "enforce_account_alias",
    "customerIdentifierLength": "customer_identifier_length",
    "projectIdentifierLength": "project_identifier_length",
    "tagPrefix": "tag_prefix",
    "identityProvider": "identity_provider_name",
    "identityProvider.name": "identity_provider_name",
    "identityProvider.metadataDocument": "identity_provider_metadata",
    "accountCreationConcurrency": "account_creation_concurrency",
    "endpointUrl": "endpoint_url",
    "externalAvmTimeoutMinutes": "external_avm_timeout_minutes",
    "consoleSignInUrlTemplate": "console_sign_in_url_template",
    "webIdentity": "credential_source",
    "webIdentity.roleArn": "web_identity_role_arn",
    "webIdentity.tokenFile": "web_identity_token_file",
}
ROLE_MAPPING_FIELD = {"mapKey": "project_role", "mapValue.roleName": "role_name"}
LANDING_ZONE_FIELD = {
    "identifier": "identifier",
    "displayName": "display_name",
    "targetOrganizationalUnit": "target_organizational_unit",
    "stackSetName": "stack_set_name",
    "stackSetRegion": "stack_set_region",
    "bootstrapTemplate": "bootstrap_template",
    "disabled": "disabled",
}
PATH = re.compile(r"^(?P<list>roleMappings|landingZones)\[(?P<index>\d+)\](?:\.(?P<rest>.*))?$")
SECRET_FIELDS = ("access_key", "secret_key", "privileged_external_id")
ACCESS_KEYS, WEB_IDENTITY, DEFAULT_CHAIN = "access_keys", "web_identity", "default_chain"
CREDENTIAL_SOURCES = (
    (ACCESS_KEYS, "the service user's access keys (meshfedServiceUser)"),
    (WEB_IDENTITY, "web identity: AssumeRoleWithWebIdentity with a token file (IRSA)"),
    (DEFAULT_CHAIN, "the default credential chain: instance or pod role, AWS_* environment, "
     "profile"),
)  # fmt: skip


class DocumentField(forms.CharField):
    """A pasted document (XML, YAML), kept exactly as written.

    Browsers send a textarea's line ends as CRLF; without turning them back, every save of
    an unchanged document would look like a change.
    """

    def __init__(self, **kwargs):
        super().__init__(strip=False, **kwargs)

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


class SecretInput(forms.PasswordInput):
    """A password box that never renders a stored value back."""

    def __init__(self, attrs=None):
        super().__init__(
            attrs={"autocomplete": "new-password", **(attrs or {})}, render_value=False
        )


def _pattern(attrs: dict[str, str] | None = None) -> forms.TextInput:
    # Inputs with this class feed the live pattern preview (htmx, see the form template).
    return forms.TextInput(attrs={"class": "pattern-input", **(attrs or {})})


class PlatformForm(forms.Form):
    """A platform's own fields, grouped in the template like the record."""

    location = forms.ModelChoiceField(queryset=Location.objects.all(), to_field_name="identifier")
    identifier = forms.CharField(
        label="Platform identifier", max_length=63, widget=_pattern(),
        help_text="lowercase letters, digits, hyphens; referenced as <platform>.<location>",
    )  # fmt: skip
    display_name = forms.CharField(
        max_length=100, required=False, validators=[patterns.validate_display_name]
    )
    region = forms.CharField(
        max_length=32, help_text="home region of the API calls, e.g. eu-central-1",
        widget=forms.TextInput(attrs={"list": "aws-regions"}),
    )  # fmt: skip
    credential_source = forms.ChoiceField(
        label="Credentials", choices=CREDENTIAL_SOURCES, widget=forms.RadioSelect,
        initial=ACCESS_KEYS, required=False,
        help_text="keyless credentials avoid stored access keys (see the AWS setup guide)",
    )  # fmt: skip
    web_identity_role_arn = forms.CharField(
        label="Web identity role ARN", max_length=2048, required=False,
        help_text="arn:aws:iam::<meshcloud account>:role/meshaws (trusts your OIDC provider)",
    )  # fmt: skip
    web_identity_token_file = forms.CharField(
        label="Web identity token file", max_length=4096, required=False,
        help_text="on the meshaws server, e.g. /var/run/secrets/eks.amazonaws.com/"
        "serviceaccount/token",
    )  # fmt: skip
    access_key = forms.CharField(
        label="Service user access key", required=False, widget=SecretInput()
    )
    secret_key = forms.CharField(
        label="Service user secret key", required=False, widget=SecretInput()
    )
    privileged_external_id = forms.CharField(
        label="Privileged external id", required=False, widget=SecretInput(),
        help_text="sent only when meshaws assumes the access role in member accounts",
    )  # fmt: skip
    organization_root_account_role = forms.CharField(
        label="Management account role ARN", max_length=2048,
        help_text="arn:aws:iam::<management account>:role/MeshfedServiceRole",
    )  # fmt: skip
    organization_root_account_external_id = forms.CharField(
        label="Management role external id", max_length=1224, required=False
    )
    automation_account_role = forms.CharField(
        label="Automation account role ARN", max_length=2048,
        help_text="arn:aws:iam::<automation account>:role/MeshfedAutomationRole",
    )  # fmt: skip
    automation_account_external_id = forms.CharField(
        label="Automation role external id", max_length=1224, required=False
    )
    provisioning = forms.ChoiceField(
        choices=PlatformInstance.Provisioning.choices, widget=forms.RadioSelect,
        initial=PlatformInstance.Provisioning.MESH,
    )  # fmt: skip
    account_email_template = forms.CharField(
        label="Account e-mail template", max_length=64, required=False, widget=_pattern(),
        help_text="exactly one %s (replaced by <customer>.<project>), e.g. aws+%s@example.com",
    )  # fmt: skip
    external_timeout_minutes = forms.IntegerField(
        label="External provisioning timeout (minutes)", initial=60, required=False
    )
    external_customer_tag_key = forms.CharField(initial="ProductName", required=False)
    external_project_tag_key = forms.CharField(initial="Stage", required=False)
    wait_for_external_avm = forms.BooleanField(
        label="Wait for an external account vending machine", required=False
    )
    external_avm_timeout_minutes = forms.IntegerField(
        label="External AVM timeout (minutes)", initial=60
    )
    account_access_role = forms.CharField(
        max_length=512, required=False,
        help_text="role NAME in each member account (default OrganizationAccountAccessRole)",
    )  # fmt: skip
    account_alias_pattern = forms.CharField(
        max_length=200, required=False, widget=_pattern(),
        help_text="placeholders <customer> and <project>, e.g. acme-<customer>-<project>",
    )  # fmt: skip
    enforce_account_alias = forms.BooleanField(
        required=False, help_text="replace an alias set by others on every run"
    )
    customer_identifier_length = forms.IntegerField(initial=16, widget=forms.NumberInput(
        attrs={"class": "pattern-input"}))  # fmt: skip
    project_identifier_length = forms.IntegerField(initial=30, widget=forms.NumberInput(
        attrs={"class": "pattern-input"}))  # fmt: skip
    tag_prefix = forms.CharField(
        max_length=64, required=False, help_text="meshaws owns account tags under this prefix"
    )
    identity_provider_name = forms.CharField(
        label="SAML provider name", max_length=128, required=False
    )
    identity_provider_metadata = DocumentField(
        label="SAML metadata document", required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )  # fmt: skip
    console_sign_in_url_template = forms.CharField(
        label="Console sign-in URL template", max_length=2000, required=False,
        help_text="https URL with {account_id}, {role_name}, {role_arn}, {provider_arn}, {alias} "
        "or {platform}; one link per account and role; empty: no links",
    )  # fmt: skip
    account_creation_concurrency = forms.IntegerField(initial=5, help_text="1 to 5 (AWS's limit)")
    endpoint_url = forms.CharField(
        label="Endpoint URL", max_length=300, required=False,
        help_text="empty for real AWS; a local emulator's URL in sandbox mode",
    )  # fmt: skip
    reason = forms.CharField(
        max_length=500, required=False, help_text="why this change, for the audit log"
    )

    def __init__(self, *args, platform: PlatformInstance | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.platform = platform
        if platform is not None:
            # The identity of a platform never changes: projects and files refer to it.
            for name in ("location", "identifier"):
                self.fields[name].disabled = True
                self.fields[name].required = False
            for name in SECRET_FIELDS:
                stored = getattr(platform, f"{name}_fingerprint")
                if stored:
                    self.fields[name].help_text = (
                        f"stored: {stored}; leave empty to keep it (type it again when the "
                        "endpoint, region or a role it is sent to changes)"
                    )

    def record_data(self) -> dict[str, Any]:
        """The cleaned fields in the record format (keys as in platform files)."""
        data = self.cleaned_data
        mesh = data.get("provisioning") == PlatformInstance.Provisioning.MESH
        identifier = self.platform.identifier if self.platform else data.get("identifier")
        source = data.get("credential_source") or ACCESS_KEYS
        return {
            "platform": identifier,
            "region": data.get("region"),
            "meshfedServiceUser": {
                "accessKey": data.get("access_key") or None,
                "secretKey": data.get("secret_key") or None,
            }
            if source == ACCESS_KEYS
            else None,
            "webIdentity": {
                "roleArn": data.get("web_identity_role_arn"),
                "tokenFile": data.get("web_identity_token_file"),
            }
            if source == WEB_IDENTITY
            else None,
            "privilegedExternalId": data.get("privileged_external_id") or None,
            "organizationRootAccountRole": data.get("organization_root_account_role"),
            "organizationRootAccountExternalId": data.get("organization_root_account_external_id"),
            "automationAccountRole": data.get("automation_account_role"),
            "automationAccountExternalId": data.get("automation_account_external_id"),
            "waitForExternalAvm": data.get("wait_for_external_avm", False),
            "externalAvmTimeoutMinutes": data.get("external_avm_timeout_minutes"),
            "meshProvisioning": {"accountEmailTemplate": data.get("account_email_template")}
            if mesh
            else None,
            "externalProvisioning": None
            if mesh
            else {
                "timeoutMinutes": data.get("external_timeout_minutes"),
                "customerTagKey": data.get("external_customer_tag_key"),
                "projectTagKey": data.get("external_project_tag_key"),
            },
            "accountAccessRole": data.get("account_access_role"),
            "accountAliasPattern": data.get("account_alias_pattern"),
            "enforceAccountAlias": data.get("enforce_account_alias", False),
            "customerIdentifierLength": data.get("customer_identifier_length"),
            "projectIdentifierLength": data.get("project_identifier_length"),
            "tagPrefix": data.get("tag_prefix"),
            "identityProvider": {
                "name": data.get("identity_provider_name"),
                "metadataDocument": data.get("identity_provider_metadata"),
            }
            if data.get("identity_provider_name") or data.get("identity_provider_metadata")
            else None,
            "accountCreationConcurrency": data.get("account_creation_concurrency"),
            "endpointUrl": data.get("endpoint_url"),
            "consoleSignInUrlTemplate": data.get("console_sign_in_url_template"),
        }


class RoleMappingForm(forms.Form):
    """One row of the platform's role mappings."""

    project_role = forms.CharField(max_length=50, required=False)
    role_name = forms.CharField(label="IAM role name", max_length=64, required=False)
    policy_arns = forms.CharField(
        label="Policy ARNs", required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        help_text="one per line, at most 10",
    )  # fmt: skip

    def record_entry(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "mapKey": data.get("project_role"),
            "mapValue": {
                "roleName": data.get("role_name"),
                "policyArns": [arn for arn in LINES.split(data.get("policy_arns", "")) if arn],
            },
        }


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
        help_text="one per line: project-role: IAM-role-name [policy ARN …]",
    )  # fmt: skip
    disabled = forms.BooleanField(required=False)

    def clean_role_mappings(self) -> list[dict[str, Any]]:
        entries = []
        for number, line in enumerate(self.cleaned_data["role_mappings"].splitlines(), start=1):
            if not line.strip():
                continue
            key, colon, rest = line.partition(":")
            words = rest.split()
            if not colon or not key.strip() or not words:
                raise forms.ValidationError(
                    f"line {number}: write it as project-role: IAM-role-name [policy ARN …]"
                )
            entries.append(
                {"mapKey": key.strip(), "mapValue": {"roleName": words[0], "policyArns": words[1:]}}
            )
        return entries

    def record_entry(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "identifier": data.get("identifier"),
            "displayName": data.get("display_name"),
            "targetOrganizationalUnit": data.get("target_organizational_unit"),
            "stackSetName": data.get("stack_set_name"),
            "stackSetRegion": data.get("stack_set_region"),
            "bootstrapTemplate": data.get("bootstrap_template"),
            "roleMappings": data.get("role_mappings")
            if data.get("replaces_role_mappings")
            else None,
            "disabled": data.get("disabled", False),
        }


RoleMappingFormSet = formset_factory(RoleMappingForm, extra=2, can_delete=True)
LandingZoneFormSet = formset_factory(LandingZoneForm, extra=1, can_delete=True)


def initial_from_record(
    record: PlatformRecord, platform: PlatformInstance
) -> tuple[dict, list, list]:
    """Initial data of the three parts of the edit form, from the stored record."""
    platform_initial = {
        "location": platform.location.identifier,
        "identifier": platform.identifier,
        "display_name": platform.display_name,
        "region": record.region,
        "credential_source": ACCESS_KEYS
        if record.access_keys
        else WEB_IDENTITY
        if record.web_identity_role_arn
        else DEFAULT_CHAIN,
        "web_identity_role_arn": record.web_identity_role_arn,
        "web_identity_token_file": record.web_identity_token_file,
        "organization_root_account_role": record.organization_root_account_role,
        "organization_root_account_external_id": record.organization_root_account_external_id,
        "automation_account_role": record.automation_account_role,
        "automation_account_external_id": record.automation_account_external_id,
        "provisioning": platform.provisioning,
        "account_email_template": record.account_email_template or "",
        "external_timeout_minutes": platform.external_timeout_minutes,
        "external_customer_tag_key": platform.external_customer_tag_key,
        "external_project_tag_key": platform.external_project_tag_key,
        "wait_for_external_avm": record.wait_for_external_avm,
        "external_avm_timeout_minutes": record.external_avm_timeout_minutes,
        "account_access_role": record.account_access_role,
        "account_alias_pattern": record.account_alias_pattern,
        "enforce_account_alias": record.enforce_account_alias,
        "customer_identifier_length": record.customer_identifier_length,
        "project_identifier_length": record.project_identifier_length,
        "tag_prefix": record.tag_prefix,
        "identity_provider_name": record.identity_provider_name,
        "identity_provider_metadata": record.identity_provider_metadata,
        "account_creation_concurrency": record.account_creation_concurrency,
        "endpoint_url": record.endpoint_url,
        "console_sign_in_url_template": record.console_sign_in_url_template,
    }
    mappings = [
        {
            "project_role": m.project_role,
            "role_name": m.role_name,
            "policy_arns": "\n".join(m.policy_arns),
        }
        for m in record.role_mappings
    ]
    zones = [
        {
            "identifier": zone.identifier,
            "display_name": zone.display_name,
            "target_organizational_unit": zone.target_organizational_unit,
            "stack_set_name": zone.stack_set_name,
            "stack_set_region": zone.stack_set_region,
            "bootstrap_template": zone.bootstrap_template,
            "replaces_role_mappings": zone.role_mappings is not None,
            "role_mappings": "\n".join(
                f"{m.project_role}: {m.role_name} {' '.join(m.policy_arns)}".rstrip()
                for m in zone.role_mappings or ()
            ),
            "disabled": zone.disabled,
        }
        for zone in record.landing_zones
    ]
    return platform_initial, mappings, zones


def region_choices() -> list[str]:
    """Region names for the form's suggestion list."""
    return sorted(known_regions())


class PlatformEditor:
    """The platform form with its two formsets, and the record errors mapped back onto them."""

    def __init__(self, data=None, *, platform: PlatformInstance | None = None, initial=None):
        platform_initial, mappings, zones = initial or ({}, [], [])
        self.form = PlatformForm(data, platform=platform, initial=platform_initial)
        self.role_mappings = RoleMappingFormSet(data, prefix="rm", initial=mappings)
        self.landing_zones = LandingZoneFormSet(data, prefix="lz", initial=zones)
        self._mapping_rows: list[int] = []
        self._zone_rows: list[int] = []

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
        """Put each `path: messages` error on the field (or row) the path names."""
        for path, messages in errors.items():
            for message in messages:
                self._add_error(path, message)

    def _add_error(self, path: str, message: str) -> None:
        match = PATH.match(path)
        if match is None:
            field = FIELD_OF_PATH.get(path)
            self.form.add_error(field if field in self.form.fields else None, f"{path}: {message}"
                                if field is None else message)  # fmt: skip
            return
        index, rest = int(match["index"]), match["rest"] or ""
        if match["list"] == "roleMappings":
            row = self.role_mappings.forms[self._mapping_rows[index]]
            field = ROLE_MAPPING_FIELD.get(rest)
            if field is None and rest.startswith("mapValue.policyArn"):
                field = "policy_arns"
                line = re.search(r"\[(\d+)\]$", rest)
                message = f"line {int(line[1]) + 1}: {message}" if line else message
        else:
            row = self.landing_zones.forms[self._zone_rows[index]]
            field = LANDING_ZONE_FIELD.get(rest)
            if field is None and rest.startswith("roleMappings"):
                field = "role_mappings"
                message = f"{rest}: {message}"
        row.add_error(field, message)

    @property
    def error_summary(self) -> list[tuple[str, str]]:
        """(where, message) for every error, for the summary above the form."""
        summary = []
        for name, errors in self.form.errors.items():
            label = "Platform" if name == "__all__" else self.form[name].label
            summary += [(str(label), str(error)) for error in errors]
        parts = (("Role mapping", self.role_mappings), ("Landing zone", self.landing_zones))
        for title, formset in parts:
            for number, row in enumerate(formset.forms, start=1):
                for name, errors in row.errors.items():
                    where = f"{title} {number}"
                    if name != "__all__":
                        where += f", {row[name].label}"
                    summary += [(where, str(error)) for error in errors]
        return summary
