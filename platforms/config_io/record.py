"""The record as meshaws uses it: dataclasses with the parts and values of a parsed record."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from platforms.secrets import fingerprint

MAX_POLICIES_PER_ROLE = 10
# A role mapping in Identity Center mode names 1 to this many permission sets.
MAX_PERMISSION_SETS_PER_ROLE = 10
MAX_TIMEOUT_MINUTES = 7 * 24 * 60
# The AWS quota on concurrent CreateAccount requests per organization.
MAX_ACCOUNT_CREATION_CONCURRENCY = 5
DEFAULT_CUSTOMER_TAG_KEY = "ProductName"
DEFAULT_PROJECT_TAG_KEY = "Stage"


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
    """One `roleMappings` entry: project role → IAM role name and policy ARNs (SAML mode), or
    permission set ARNs (Identity Center mode)."""

    project_role: str
    role_name: str
    policy_arns: tuple[str, ...]
    permission_set_arns: tuple[str, ...] = ()


@dataclass(frozen=True)
class IdentityCenterRecord:
    """`identityCenter`: the IAM Identity Center instance that gives access to the accounts.

    `role_arn` and `external_id` name a role in a delegated-administrator account; empty: the
    organization root role.
    """

    instance_arn: str
    identity_store_id: str
    region: str
    role_arn: str
    external_id: str
    group_name_pattern: str
    sign_in_url: str


@dataclass(frozen=True)
class LandingZoneRecord:
    """One entry of `landingZones`."""

    identifier: str
    display_name: str
    target_organizational_unit: str
    stack_set_name: str
    stack_set_region: str
    bootstrap_template: str
    role_mappings: tuple[RoleMappingRecord, ...] | None  # None: the platform's apply
    disabled: bool
    retired_organizational_unit: str = ""  # empty: a retired account stays where it is
    close_account_on_deletion: bool = False
    automate_deletion_approval: bool = False


@dataclass(frozen=True)
class PlatformRecord:
    """A whole, valid platform configuration (the record), ready for services.platform_apply.

    The credentials meshaws starts from: the service user's access keys (`access_keys`), else
    web identity (`web_identity_role_arn` with the token in `web_identity_token_file`), else
    boto3's default credential chain.
    """

    platform: str
    region: str
    access_keys: bool
    access_key: Secret
    secret_key: Secret
    organization_root_account_role: str
    organization_root_account_external_id: str
    automation_account_role: str
    automation_account_external_id: str
    wait_for_external_avm: bool
    role_mappings: tuple[RoleMappingRecord, ...]
    account_email_template: str | None  # None: externalProvisioning
    external_provisioning: dict[str, Any] | None
    account_access_role: str
    account_alias_pattern: str
    privileged_external_id: Secret
    enforce_account_alias: bool
    customer_identifier_length: int
    project_identifier_length: int
    tag_prefix: str
    identity_provider_name: str
    identity_provider_metadata: str
    landing_zones: tuple[LandingZoneRecord, ...]
    account_creation_concurrency: int
    endpoint_url: str
    external_avm_timeout_minutes: int
    console_sign_in_url_template: str
    web_identity_role_arn: str
    web_identity_token_file: str
    identity_center: IdentityCenterRecord | None = None  # None: SAML mode, or no SSO
    # True: an account in an OU below its landing zone's target stays there.
    allow_hierarchical_ou_assignment: bool = False
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The record as a file or the API shows it: secrets as fingerprints only."""
        from .declaration import export  # the declaration builds records: imported late

        return export(self)

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
