"""The record's dataclasses and constants, its output form, and the record of a stored platform."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from platforms import patterns
from platforms.secrets import fingerprint

MAX_POLICIES_PER_ROLE = 10
MAX_TIMEOUT_MINUTES = 7 * 24 * 60
# The AWS quota on concurrent CreateAccount requests per organization.
MAX_ACCOUNT_CREATION_CONCURRENCY = 5
DEFAULT_CUSTOMER_TAG_KEY = "ProductName"
DEFAULT_PROJECT_TAG_KEY = "Stage"
SECRET_PATHS = (
    "meshfedServiceUser.accessKey",
    "meshfedServiceUser.secretKey",
    "privilegedExternalId",
)

# The record's keys in the order of the integration page, then meshaws' additions.
RECORD_KEYS = (
    "platform", "region", "meshfedServiceUser", "organizationRootAccountRole",
    "organizationRootAccountExternalId", "automationAccountRole", "automationAccountExternalId",
    "waitForExternalAvm", "roleMappings", "meshProvisioning", "externalProvisioning",
    "accountAccessRole", "accountAliasPattern",
    "privilegedExternalId", "enforceAccountAlias", "customerIdentifierLength",
    "projectIdentifierLength", "tagPrefix", "identityProvider", "landingZones",
    "accountCreationConcurrency", "endpointUrl", "externalAvmTimeoutMinutes",
    "consoleSignInUrlTemplate", "webIdentity",
)  # fmt: skip
WEB_IDENTITY_KEYS = ("roleArn", "tokenFile")
LANDING_ZONE_KEYS = (
    "identifier", "displayName", "targetOrganizationalUnit", "stackSetName", "stackSetRegion",
    "bootstrapTemplate", "roleMappings", "disabled",
)  # fmt: skip


@dataclass(frozen=True)
class Secret:
    """A secret as given: its plain value (None: keep the stored one) and its fingerprint."""

    value: str | None = None
    fingerprint: str = ""

    def __repr__(self) -> str:  # the value never reaches a log line
        return f"Secret(fingerprint={self.fingerprint!r})"

    @classmethod
    def of(cls, value: str) -> Secret:
        return cls(value=value, fingerprint=fingerprint(value))


@dataclass(frozen=True)
class RoleMappingRecord:
    """One `roleMappings` entry: project role → IAM role name and policy ARNs."""

    project_role: str
    role_name: str
    policy_arns: tuple[str, ...] = ()


@dataclass(frozen=True)
class LandingZoneRecord:
    """One entry of `landingZones`."""

    identifier: str
    display_name: str
    target_organizational_unit: str
    stack_set_name: str = ""
    stack_set_region: str = ""
    bootstrap_template: str = ""
    role_mappings: tuple[RoleMappingRecord, ...] | None = None
    disabled: bool = False


@dataclass(frozen=True)
class PlatformRecord:
    """A whole, valid platform configuration (the record), ready for services.platform_apply.

    The credentials meshaws starts from: the service user's access keys (`access_keys`), else
    web identity (`web_identity_role_arn` with the token in `web_identity_token_file`), else
    boto3's default credential chain.
    """

    platform: str
    region: str
    access_key: Secret
    secret_key: Secret
    organization_root_account_role: str
    automation_account_role: str
    organization_root_account_external_id: str = ""
    automation_account_external_id: str = ""
    wait_for_external_avm: bool = False
    role_mappings: tuple[RoleMappingRecord, ...] = ()
    account_email_template: str | None = None
    external_provisioning: dict[str, Any] | None = None
    account_access_role: str = ""
    account_alias_pattern: str = ""
    privileged_external_id: Secret = field(default_factory=Secret)
    enforce_account_alias: bool = False
    customer_identifier_length: int = patterns.DEFAULT_CUSTOMER_IDENTIFIER_LENGTH
    project_identifier_length: int = patterns.DEFAULT_PROJECT_IDENTIFIER_LENGTH
    tag_prefix: str = ""
    identity_provider_name: str = ""
    identity_provider_metadata: str = ""
    landing_zones: tuple[LandingZoneRecord, ...] = ()
    account_creation_concurrency: int = MAX_ACCOUNT_CREATION_CONCURRENCY
    endpoint_url: str = ""
    external_avm_timeout_minutes: int = 60
    console_sign_in_url_template: str = ""
    access_keys: bool = True
    web_identity_role_arn: str = ""
    web_identity_token_file: str = ""
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The record as a file or the API shows it: secrets as fingerprints only."""
        return {
            "platform": self.platform,
            "region": self.region,
            "meshfedServiceUser": {
                "accessKey": _secret_out(self.access_key),
                "secretKey": _secret_out(self.secret_key),
            }
            if self.access_keys
            else None,
            "organizationRootAccountRole": self.organization_root_account_role,
            "organizationRootAccountExternalId": self.organization_root_account_external_id or None,
            "automationAccountRole": self.automation_account_role,
            "automationAccountExternalId": self.automation_account_external_id or None,
            "waitForExternalAvm": self.wait_for_external_avm,
            "roleMappings": _role_mappings_out(self.role_mappings),
            "meshProvisioning": None
            if self.account_email_template is None
            else {"accountEmailTemplate": self.account_email_template},
            "externalProvisioning": dict(self.external_provisioning)
            if self.external_provisioning is not None
            else None,
            "accountAccessRole": self.account_access_role or None,
            "accountAliasPattern": self.account_alias_pattern or None,
            "privilegedExternalId": _secret_out(self.privileged_external_id),
            "enforceAccountAlias": self.enforce_account_alias,
            "customerIdentifierLength": self.customer_identifier_length,
            "projectIdentifierLength": self.project_identifier_length,
            "tagPrefix": self.tag_prefix or None,
            "identityProvider": {
                "name": self.identity_provider_name,
                "metadataDocument": self.identity_provider_metadata,
            }
            if self.identity_provider_name
            else None,
            "landingZones": [
                {
                    "identifier": zone.identifier,
                    "displayName": zone.display_name,
                    "targetOrganizationalUnit": zone.target_organizational_unit,
                    "stackSetName": zone.stack_set_name or None,
                    "stackSetRegion": zone.stack_set_region or None,
                    "bootstrapTemplate": zone.bootstrap_template or None,
                    "roleMappings": None
                    if zone.role_mappings is None
                    else _role_mappings_out(zone.role_mappings),
                    "disabled": zone.disabled,
                }
                for zone in self.landing_zones
            ],
            "accountCreationConcurrency": self.account_creation_concurrency,
            "endpointUrl": self.endpoint_url or None,
            "externalAvmTimeoutMinutes": self.external_avm_timeout_minutes,
            "consoleSignInUrlTemplate": self.console_sign_in_url_template or None,
            "webIdentity": {
                "roleArn": self.web_identity_role_arn,
                "tokenFile": self.web_identity_token_file,
            }
            if self.web_identity_role_arn
            else None,
        }

    def secret_at(self, path: str) -> Secret:
        """The secret at a path of SECRET_PATHS."""
        return {
            "meshfedServiceUser.accessKey": self.access_key,
            "meshfedServiceUser.secretKey": self.secret_key,
            "privilegedExternalId": self.privileged_external_id,
        }[path]

    @property
    def credential_source(self) -> str:
        """Where meshaws's AWS credentials come from, in the operator's words."""
        if self.access_keys:
            return "the service user's access keys"
        if self.web_identity_role_arn:
            return f"web identity ({self.web_identity_role_arn})"
        return "the default credential chain"

    def keeping_secrets_of(self, stored: PlatformRecord | None) -> PlatformRecord:
        """This record with every "keep" secret filled in with the stored one's fingerprint.

        Without access keys (web identity or the default chain) the stored keys are not kept.
        """
        if stored is None:
            return self

        def kept(given: Secret, old: Secret) -> Secret:
            return given if given.value is not None else old

        keys_kept = self.access_keys and stored.access_keys
        return replace(
            self,
            access_key=kept(self.access_key, stored.access_key) if keys_kept else self.access_key,
            secret_key=kept(self.secret_key, stored.secret_key) if keys_kept else self.secret_key,
            privileged_external_id=kept(self.privileged_external_id, stored.privileged_external_id),
        )


def _secret_out(secret: Secret) -> dict[str, str] | None:
    return {"fingerprint": secret.fingerprint} if secret.fingerprint else None


def _role_mappings_out(mappings: tuple[RoleMappingRecord, ...]) -> list[dict[str, Any]]:
    out = []
    for mapping in mappings:
        value: dict[str, Any] = {"roleName": mapping.role_name}
        # As on the integration page for zero or one policy; a list beyond.
        if len(mapping.policy_arns) <= 1:
            value["policyArn"] = mapping.policy_arns[0] if mapping.policy_arns else None
        else:
            value["policyArns"] = list(mapping.policy_arns)
        out.append({"mapKey": mapping.project_role, "mapValue": value})
    return out


def record_of(platform) -> PlatformRecord:
    """The stored platform as a record (secrets by fingerprint only)."""
    zones = []
    for zone in platform.landing_zones.all():
        zones.append(
            LandingZoneRecord(
                identifier=zone.identifier,
                display_name=zone.display_name,
                target_organizational_unit=zone.target_organizational_unit,
                stack_set_name=zone.stack_set_name,
                stack_set_region=zone.stack_set_region,
                bootstrap_template=zone.bootstrap_template,
                role_mappings=_mapping_records(zone.role_mappings.all())
                if zone.replaces_role_mappings
                else None,
                disabled=zone.disabled,
            )
        )
    mesh = platform.provisioning == platform.Provisioning.MESH
    return PlatformRecord(
        platform=platform.identifier,
        region=platform.region,
        access_key=Secret(fingerprint=platform.access_key_fingerprint),
        secret_key=Secret(fingerprint=platform.secret_key_fingerprint),
        organization_root_account_role=platform.organization_root_account_role,
        automation_account_role=platform.automation_account_role,
        organization_root_account_external_id=platform.organization_root_account_external_id,
        automation_account_external_id=platform.automation_account_external_id,
        wait_for_external_avm=platform.wait_for_external_avm,
        role_mappings=_mapping_records(platform.role_mappings.all()),
        account_email_template=platform.account_email_template if mesh else None,
        external_provisioning=None
        if mesh
        else {
            "timeoutMinutes": platform.external_timeout_minutes,
            "customerTagKey": platform.external_customer_tag_key,
            "projectTagKey": platform.external_project_tag_key,
        },
        account_access_role=platform.account_access_role,
        account_alias_pattern=platform.account_alias_pattern,
        privileged_external_id=Secret(fingerprint=platform.privileged_external_id_fingerprint),
        enforce_account_alias=platform.enforce_account_alias,
        customer_identifier_length=platform.customer_identifier_length,
        project_identifier_length=platform.project_identifier_length,
        tag_prefix=platform.tag_prefix,
        identity_provider_name=platform.identity_provider_name,
        identity_provider_metadata=platform.identity_provider_metadata,
        landing_zones=tuple(zones),
        account_creation_concurrency=platform.account_creation_concurrency,
        endpoint_url=platform.endpoint_url,
        external_avm_timeout_minutes=platform.external_avm_timeout_minutes,
        console_sign_in_url_template=platform.console_sign_in_url_template,
        access_keys=bool(platform.access_key_ciphertext),
        web_identity_role_arn=platform.web_identity_role_arn,
        web_identity_token_file=platform.web_identity_token_file,
    )


def _mapping_records(mappings) -> tuple[RoleMappingRecord, ...]:
    return tuple(
        RoleMappingRecord(m.project_role, m.role_name, tuple(m.policy_arns)) for m in mappings
    )
