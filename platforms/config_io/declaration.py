"""The platform record (the `Aws.dhall` record of the integration page), declared once.

Each key is declared here, in the record's order, with its type, its patterns check and what
it means for accounts. Parsing (parsing.parse_record), the export (`export`, so the files and
the API `config`), the API schema, the operator form's fields and initial values, the record
of a stored platform and the keys whose change affects every account all come from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import cache, partial
from typing import Any

from django.core.validators import URLValidator

from platforms import patterns

from .fields import Boolean, Entries, Integer, Reading, RecordObject, SecretValue, Text, join
from .record import (
    DEFAULT_CUSTOMER_TAG_KEY,
    DEFAULT_PROJECT_TAG_KEY,
    MAX_ACCOUNT_CREATION_CONCURRENCY,
    MAX_TIMEOUT_MINUTES,
    IdentityCenterRecord,
    LandingZoneRecord,
    PlatformRecord,
)
from .role_mappings import RoleMapping

# The operator form's choices of credentials that select meshfedServiceUser or webIdentity.
ACCESS_KEYS, WEB_IDENTITY = "access_keys", "web_identity"
# The operator form's choices of access mode that select identityProvider or identityCenter
# (the values of PlatformInstance.AccessMode).
SAML, IDENTITY_CENTER = "saml", "identity_center"
_HTTP_URL = URLValidator(schemes=["http", "https"], message="must be an http(s) URL")


def role_mappings(*, absent: Any = ()) -> Entries:
    """A `roleMappings` list, the platform's or a landing zone's own."""
    return Entries(
        child=RoleMapping(), absent=absent, keyed_by=("mapKey", "mapValue"),
        not_a_list="must be a list of {mapKey, mapValue}",
        unique=("mapKey", "project role {!r} is mapped twice"),
    )  # fmt: skip


class LandingZone(RecordObject):
    """One entry of `landingZones`: where new accounts go, and what is bootstrapped."""

    record_class = LandingZoneRecord

    identifier = Text(
        required=True,
        check=partial(patterns.validate_identifier, max_length=63, kind="landing zone identifier"),
    )
    displayName = Text(max_length=100, check=patterns.validate_display_name)
    targetOrganizationalUnit = Text(required=True, check=patterns.validate_target_ou)
    stackSetName = Text(check=patterns.validate_stack_set_name)
    # Left out with a StackSet or a template: the platform's region (PlatformConfig.check).
    stackSetRegion = Text(check=patterns.validate_region)
    bootstrapTemplate = Text(max_length=1_000_000, check=patterns.validate_cloudformation_template)
    roleMappings = role_mappings(absent=None)  # None: the platform's apply
    disabled = Boolean()
    # Retiring an account (meshaws'): where it goes (left out: it stays), closing, approval.
    retiredOrganizationalUnit = Text(check=patterns.validate_target_ou)
    closeAccountOnDeletion = Boolean()
    automateDeletionApproval = Boolean()

    def check(self, values, data, path, reading):
        """A StackSet or a template, not both; retired accounts go elsewhere; names default."""
        if values["stack_set_name"] and values["bootstrap_template"]:
            reading.error(
                path, "give stackSetName (an existing StackSet) or bootstrapTemplate, not both"
            )
        retired = values["retired_organizational_unit"]
        if retired and retired == values["target_organizational_unit"]:
            reading.error(
                join(path, "retiredOrganizationalUnit"),
                f"is {retired}, the targetOrganizationalUnit: retired accounts must go to "
                "another OU (or leave it out to keep them where they are)",
            )
        values["display_name"] = values["display_name"] or values["identifier"]


class ServiceUser(RecordObject):
    """`meshfedServiceUser`: the access keys; null or left out: keyless credentials."""

    accessKey = SecretValue(required=True, stored_when="access_keys")
    secretKey = SecretValue(required=True, stored_when="access_keys")


class MeshProvisioning(RecordObject):
    """`meshProvisioning`: meshaws creates the accounts."""

    # Checked against the identifier lengths and the platform in PlatformConfig.check.
    accountEmailTemplate = Text(required=True, max_length=64)

    @property
    def absent(self) -> dict[str, Any]:
        """No meshProvisioning: no template at all (None), not an empty one."""
        return {"account_email_template": None}


class ExternalProvisioning(RecordObject):
    """`externalProvisioning`: an external vending machine creates the accounts."""

    keys_are_attributes = True

    timeoutMinutes = Integer(
        default=60, low=1, high=MAX_TIMEOUT_MINUTES, form_field="external_timeout_minutes"
    )
    customerTagKey = Text(
        default=DEFAULT_CUSTOMER_TAG_KEY, check=patterns.validate_tag_key_name,
        form_field="external_customer_tag_key",
    )  # fmt: skip
    projectTagKey = Text(
        default=DEFAULT_PROJECT_TAG_KEY, check=patterns.validate_tag_key_name,
        form_field="external_project_tag_key",
    )  # fmt: skip

    def check(self, values, data, path, reading):
        """The two tags name different keys."""
        if values["customerTagKey"] == values["projectTagKey"]:
            reading.error(join(path, "projectTagKey"), "must differ from customerTagKey")


class IdentityProvider(RecordObject):
    """`identityProvider`: the SAML provider created in every account."""

    name = Text(
        required=True, source="identity_provider_name", check=patterns.validate_saml_provider_name
    )
    metadataDocument = Text(
        required=True, source="identity_provider_metadata", check=patterns.validate_saml_metadata
    )


class IdentityCenter(RecordObject):
    """`identityCenter`: the IAM Identity Center instance people sign in with, or null."""

    record_class = IdentityCenterRecord

    instanceArn = Text(
        required=True, max_length=1224, check=patterns.validate_instance_arn,
        form_field="identity_center_instance_arn",
    )  # fmt: skip
    identityStoreId = Text(
        required=True, max_length=64, check=patterns.validate_identity_store_id,
        form_field="identity_center_identity_store_id",
    )  # fmt: skip
    region = Text(
        required=True, check=patterns.validate_region, form_field="identity_center_region"
    )
    # A role in a delegated-administrator account; null: the organization root role.
    roleArn = Text(check=patterns.validate_role_arn, form_field="identity_center_role_arn")
    externalId = Text(check=patterns.validate_external_id, form_field="identity_center_external_id")
    # Checked against the identifier lengths and the platform in PlatformConfig.check.
    groupNamePattern = Text(
        required=True, max_length=1024, form_field="identity_center_group_name_pattern"
    )
    signInUrl = Text(
        max_length=patterns.MAX_SIGN_IN_URL_LENGTH, check=patterns.validate_sign_in_url,
        form_field="identity_center_sign_in_url",
    )  # fmt: skip

    def check(self, values, data, path, reading):
        """An external id goes with a role of its own."""
        if values["external_id"] and not values["role_arn"]:
            reading.error(
                join(path, "externalId"),
                "needs roleArn: it is sent when meshaws assumes that role (without roleArn "
                "meshaws uses organizationRootAccountRole and its external id)",
            )


class WebIdentity(RecordObject):
    """`webIdentity`: AssumeRoleWithWebIdentity of a role with a token file, or null."""

    roleArn = Text(required=True, source="web_identity_role_arn", check=patterns.validate_role_arn)
    tokenFile = Text(
        required=True, source="web_identity_token_file", max_length=patterns.MAX_TOKEN_FILE_PATH,
        check=patterns.validate_token_file,
    )  # fmt: skip


class PlatformConfig(RecordObject):
    """The whole record, keys in the order of the integration page, then meshaws' additions."""

    record_class = PlatformRecord

    platform = Text(
        required=True, check=patterns.validate_platform_identifier, form_field="identifier"
    )
    region = Text(required=True, check=patterns.validate_region, every_account=True)
    meshfedServiceUser = ServiceUser(
        source="*", flag="access_keys", every_account=True,
        form_choice=("credential_source", ACCESS_KEYS),
    )  # fmt: skip
    organizationRootAccountRole = Text(
        required=True, check=patterns.validate_role_arn, every_account=True
    )
    organizationRootAccountExternalId = Text(
        check=patterns.validate_external_id, every_account=True
    )
    automationAccountRole = Text(
        required=True, check=patterns.validate_role_arn, every_account=True
    )
    automationAccountExternalId = Text(check=patterns.validate_external_id, every_account=True)
    waitForExternalAvm = Boolean(every_account=True)
    roleMappings = role_mappings()
    meshProvisioning = MeshProvisioning(source="*", form_choice=("provisioning", "mesh"))
    externalProvisioning = ExternalProvisioning(
        every_account=True, form_choice=("provisioning", "external")
    )
    accountAccessRole = Text(check=patterns.validate_access_role_name, every_account=True)
    # Checked against the identifier lengths and the platform in check().
    accountAliasPattern = Text(max_length=200)
    privilegedExternalId = SecretValue(check=patterns.validate_external_id, every_account=True)
    enforceAccountAlias = Boolean(every_account=True)
    customerIdentifierLength = Integer(
        default=patterns.DEFAULT_CUSTOMER_IDENTIFIER_LENGTH, low=1,
        high=patterns.MAX_CUSTOMER_IDENTIFIER_LENGTH,
    )  # fmt: skip
    projectIdentifierLength = Integer(
        default=patterns.DEFAULT_PROJECT_IDENTIFIER_LENGTH, low=1,
        high=patterns.MAX_PROJECT_IDENTIFIER_LENGTH,
    )  # fmt: skip
    tagPrefix = Text(check=patterns.validate_tag_prefix, every_account=True)
    identityProvider = IdentityProvider(
        source="*", every_account=True, form_choice=("access_mode", SAML)
    )
    landingZones = Entries(
        child=LandingZone(), unique=("identifier", "landing zone {!r} appears twice")
    )
    accountCreationConcurrency = Integer(
        default=MAX_ACCOUNT_CREATION_CONCURRENCY, low=1, high=MAX_ACCOUNT_CREATION_CONCURRENCY
    )
    endpointUrl = Text(max_length=300, check=_HTTP_URL, every_account=True)
    externalAvmTimeoutMinutes = Integer(default=60, low=1, high=MAX_TIMEOUT_MINUTES)
    consoleSignInUrlTemplate = Text(
        max_length=patterns.MAX_CONSOLE_SIGN_IN_URL_TEMPLATE,
        check=patterns.validate_console_sign_in_url_template,
    )
    # Like the service user: the credentials every account is reached with.
    webIdentity = WebIdentity(
        source="*", form_choice=("credential_source", WEB_IDENTITY), every_account=True
    )
    # Instead of identityProvider: access through IAM Identity Center's groups.
    identityCenter = IdentityCenter(
        every_account=True, form_choice=("access_mode", IDENTITY_CENTER)
    )
    # True: an account in an OU below its landing zone's target stays there (off: moved up).
    allowHierarchicalOrganizationalUnitAssignment = Boolean(
        source="allow_hierarchical_ou_assignment", every_account=True
    )

    def __init__(self, **kwargs):
        super().__init__(**{"required": True, **kwargs})  # a record is never null

    def read_values(self, data, path, reading):
        """The record's attributes; the rules on what is given come first."""
        if isinstance(data, Mapping):
            data = self._check_given(data, reading)
        return super().read_values(data, path, reading)

    @staticmethod
    def _check_given(data: Mapping, reading: Reading) -> Mapping:
        """Which of the alternative keys are given; the data without a refused pair."""
        mesh, external = data.get("meshProvisioning"), data.get("externalProvisioning")
        if (mesh is None) == (external is None):
            reading.error(
                "meshProvisioning",
                "give exactly one of meshProvisioning (meshaws creates accounts) and "
                "externalProvisioning (an external vending machine does)",
            )
            data = {key: value for key, value in data.items() if key not in PROVISIONING}
        if data.get("webIdentity") is not None:
            if data.get("meshfedServiceUser") is not None:
                reading.error(
                    "webIdentity",
                    "give meshfedServiceUser (access keys) or webIdentity, not both; leave both "
                    "out for the default credential chain",
                )
            endpoint_url = data.get("endpointUrl")
            if endpoint_url and isinstance(endpoint_url, str):
                reading.check("endpointUrl", patterns.validate_web_identity_endpoint, endpoint_url)
        # The role mappings' values follow the access mode (role_mappings.RoleMappingValue).
        reading.identity_center = data.get("identityCenter")
        if reading.identity_center is not None and data.get("identityProvider") is not None:
            reading.error(
                "identityCenter",
                "give identityProvider (SAML) or identityCenter, not both; leave both out for "
                "no single sign-on",
            )
        return data

    def check(self, values, data, path, reading):
        """The rules that need several keys: names against the identifier lengths, and more."""
        limits = {
            "customer_length": values["customer_identifier_length"],
            "project_length": values["project_identifier_length"],
            "platform": values["platform"],
        }
        if values["account_email_template"]:
            reading.check(
                "meshProvisioning.accountEmailTemplate", patterns.validate_email_template,
                values["account_email_template"], **limits,
            )  # fmt: skip
        if values["account_alias_pattern"]:
            found = reading.check(
                "accountAliasPattern", patterns.validate_alias_pattern,
                values["account_alias_pattern"], **limits,
            )  # fmt: skip
            reading.warnings += [f"accountAliasPattern: {warning}" for warning in found or []]
        center = values["identity_center"]
        if center is not None and center.group_name_pattern:
            reading.check(
                "identityCenter.groupNamePattern", patterns.validate_group_name_pattern,
                center.group_name_pattern, **limits,
            )  # fmt: skip
        self._check_sign_in(values, data, reading)
        values["landing_zones"] = tuple(
            replace(zone, stack_set_region=values["region"])
            if not zone.stack_set_region and (zone.stack_set_name or zone.bootstrap_template)
            else zone
            for zone in values["landing_zones"]
        )

    @staticmethod
    def _check_sign_in(values, data, reading: Reading) -> None:
        """The console sign-in template names only what the access mode has."""
        sign_in = values["console_sign_in_url_template"]
        if not sign_in or "consoleSignInUrlTemplate" in reading.errors:
            return
        used = patterns.console_sign_in_placeholders(sign_in)
        if data.get("identityProvider") is None and "provider_arn" in used:
            reading.error(
                "consoleSignInUrlTemplate",
                "uses {provider_arn}, but the platform has no identityProvider",
            )
        roles = sorted(set(used) & {"role_name", "role_arn"})
        if values["identity_center"] is not None and roles:
            reading.error(
                "consoleSignInUrlTemplate",
                f"uses {', '.join('{' + name + '}' for name in roles)}, but with identityCenter "
                "role mappings have no IAM roles; people sign in at identityCenter.signInUrl",
            )


PROVISIONING = ("meshProvisioning", "externalProvisioning")


@cache
def declared() -> PlatformConfig:
    """The declaration with its fields bound, once (DRF copies every field per instance)."""
    declaration = PlatformConfig()
    declaration.fields  # noqa: B018 - binds them now
    return declaration


def export(record: PlatformRecord) -> dict[str, Any]:
    """The record as a file or the API shows it: secrets as fingerprints only."""
    return declared().to_representation(record)


def field_at(path: str) -> Any:
    """The declared field at a path without list indexes, e.g. `webIdentity.roleArn`."""
    field: Any = declared()
    for key in path.split("."):
        field = field.fields[key]
    return field


def attribute_at(path: str) -> str:
    """The PlatformRecord attribute that holds the value at `path`."""
    return field_at(path).source


def paths(part: RecordObject, where=lambda field: True, prefix: str = ""):
    """The paths of `part`'s keys (through its objects, not into lists) whose field matches."""
    for key, field in part.fields.items():
        if where(field):
            yield join(prefix, key), field
        if isinstance(field, RecordObject):
            yield from paths(field, where, join(prefix, key))


def keys_affecting_every_account() -> tuple[str, ...]:
    """The keys whose change alters every account of the platform."""
    return tuple(key for key, field in declared().fields.items() if field.every_account)


RECORD_KEYS = tuple(declared().fields)
LANDING_ZONE_KEYS = tuple(declared().fields["landingZones"].child.fields)
SECRET_PATHS = tuple(path for path, _ in paths(declared(), lambda f: isinstance(f, SecretValue)))
KEYS_AFFECTING_EVERY_ACCOUNT = keys_affecting_every_account()
