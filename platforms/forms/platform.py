"""The platform's own fields on the operator form; config_io.parse_record judges them."""

from __future__ import annotations

from typing import Any

from django import forms

from platforms import patterns
from platforms.config_io.declaration import ACCESS_KEYS, IDENTITY_CENTER, SAML, WEB_IDENTITY
from platforms.models import Location, PlatformInstance

from . import mapping

DEFAULT_CHAIN = "default_chain"  # neither group given (see config_io's form_choice)
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
    access_mode = forms.ChoiceField(
        label="Single sign-on", choices=PlatformInstance.AccessMode.choices,
        widget=forms.RadioSelect, initial=PlatformInstance.AccessMode.NONE, required=False,
    )  # fmt: skip
    identity_provider_name = forms.CharField(
        label="SAML provider name", max_length=128, required=False
    )
    identity_provider_metadata = DocumentField(
        label="SAML metadata document", required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )  # fmt: skip
    identity_center_instance_arn = forms.CharField(
        label="Identity Center instance ARN", max_length=1224, required=False,
        help_text="arn:aws:sso:::instance/ssoins-…",
    )  # fmt: skip
    identity_center_identity_store_id = forms.CharField(
        label="Identity store id", max_length=64, required=False, help_text="d-…"
    )
    identity_center_region = forms.CharField(
        label="Identity Center region", max_length=32, required=False,
        widget=forms.TextInput(attrs={"list": "aws-regions"}),
    )  # fmt: skip
    identity_center_role_arn = forms.CharField(
        label="Delegated administrator role ARN", max_length=2048, required=False,
        help_text="empty: the management account role",
    )  # fmt: skip
    identity_center_external_id = forms.CharField(
        label="Delegated administrator role external id", max_length=1224, required=False
    )
    identity_center_group_name_pattern = forms.CharField(
        label="Group name pattern", max_length=1024, required=False, widget=_pattern(),
        help_text="one group per project and role, e.g. mst-#{customerIdentifier}."
        "#{projectIdentifier}-#{projectRoleIdentifier}",
    )  # fmt: skip
    identity_center_sign_in_url = forms.CharField(
        label="AWS access portal URL", max_length=300, required=False,
        help_text="https://d-….awsapps.com/start; empty: no sign-in links",
    )  # fmt: skip
    console_sign_in_url_template = forms.CharField(
        label="Console sign-in URL template", max_length=2000, required=False,
        help_text="https URL with {account_id}, {role_name}, {role_arn}, {provider_arn}, {alias} "
        "or {platform}; one link per account and role; empty: no links",
    )  # fmt: skip
    account_creation_concurrency = forms.IntegerField(initial=5, help_text="1 to 5 (AWS's limit)")
    allow_hierarchical_ou_assignment = forms.BooleanField(
        label="Accounts may stay in OUs below their landing zone's", required=False,
        help_text="an account already in an OU under its landing zone's target OU stays there; "
        "off: it is moved into the target OU",
    )  # fmt: skip
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
            for name in mapping.SECRET_FIELDS:
                stored = getattr(platform, f"{name}_fingerprint")
                if stored:
                    self.fields[name].help_text = (
                        f"stored: {stored}; leave empty to keep it (type it again when the "
                        "endpoint, region or a role it is sent to changes)"
                    )

    def note_kept_secrets(self, names) -> None:
        """Say in these secret boxes that the value typed before is kept (sealed, not shown)."""
        for name in names:
            field = self.fields[name]
            field.widget.attrs["placeholder"] = "kept from your last try (sealed)"
            field.widget.attrs["data-sealed"] = "true"
            field.help_text = "typed before and kept, never shown again; type it to replace it"

    def record_data(self) -> dict[str, Any]:
        """The cleaned fields in the record format (keys as in platform files)."""
        values = {**self.cleaned_data}
        values["credential_source"] = values.get("credential_source") or ACCESS_KEYS
        values["access_mode"] = values.get("access_mode") or _access_mode_given(values)
        if self.platform is not None:  # the identifier field is disabled when editing
            values["identifier"] = self.platform.identifier
        return mapping.record_from_form(mapping.PLATFORM, values)


def _access_mode_given(values: dict[str, Any]) -> str:
    """The access mode a form posted without the choice gives by its filled-in fields."""
    if any(value for name, value in values.items() if name.startswith("identity_center_")):
        return IDENTITY_CENTER
    if values.get("identity_provider_name") or values.get("identity_provider_metadata"):
        return SAML
    return PlatformInstance.AccessMode.NONE
