"""The platform record: parsing, validating and exporting the `Aws.dhall` configuration.

One record format serves the file import/export, the forms and the API: a mapping whose keys
are exactly the record's field names (../shared/reference/platform-example.json). Every value
is checked with platforms/patterns.py; every error is reported with its path in the record,
e.g. `roleMappings[1].mapValue.roleName`, and all errors are reported at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from . import patterns
from .secrets import FINGERPRINT_PREFIX, fingerprint

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
)  # fmt: skip
LANDING_ZONE_KEYS = (
    "identifier", "displayName", "targetOrganizationalUnit", "stackSetName", "stackSetRegion",
    "bootstrapTemplate", "roleMappings", "disabled",
)  # fmt: skip


class RecordInvalid(Exception):
    """A record with errors; `errors` maps each path in the record to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(f"{len(errors)} invalid field(s)")
        self.errors = errors

    def lines(self) -> list[str]:
        """One `path: message` line per error, in record order."""
        return [
            f"{path}: {message}" for path, messages in self.errors.items() for message in messages
        ]


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
    """A whole, valid platform configuration (the record), ready for services.platform_apply."""

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
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The record as a file or the API shows it: secrets as fingerprints only."""
        return {
            "platform": self.platform,
            "region": self.region,
            "meshfedServiceUser": {
                "accessKey": _secret_out(self.access_key),
                "secretKey": _secret_out(self.secret_key),
            },
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
        }

    def keeping_secrets_of(self, stored: PlatformRecord | None) -> PlatformRecord:
        """This record with every "keep" secret filled in with the stored one's fingerprint."""
        if stored is None:
            return self

        def kept(given: Secret, old: Secret) -> Secret:
            return given if given.value is not None else old

        return replace(
            self,
            access_key=kept(self.access_key, stored.access_key),
            secret_key=kept(self.secret_key, stored.secret_key),
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


class _Reader:
    """Reads values out of a nested mapping by path, collecting every error with its path."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def error(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    def check(self, path: str, validator: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a patterns validator; its ValidationError becomes an error at `path`."""
        try:
            return validator(*args, **kwargs)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for key, errors in error.error_dict.items():
                    for message in errors:
                        self.error(key, " ".join(message.messages))
            else:
                for message in error.messages:
                    self.error(path, message)
            return None

    def mapping(self, data: Any, path: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
        if not isinstance(data, Mapping):
            self.error(path or "(record)", "must be an object")
            return {}
        for key in data:
            if key not in keys:
                self.error(_join(path, key), f"unknown key; expected one of: {', '.join(keys)}")
        return data

    def text(
        self, data: Mapping, path: str, key: str, *, required: bool, max_length: int = 0
    ) -> str:
        value = data.get(key)
        full = _join(path, key)
        if value is None or value == "":
            if required:
                self.error(full, "is required")
            return ""
        if not isinstance(value, str):
            self.error(full, "must be a text")
            return ""
        if max_length and len(value) > max_length:
            self.error(full, f"has {len(value)} characters; at most {max_length} are allowed")
            return ""
        return value

    def boolean(self, data: Mapping, path: str, key: str, default: bool) -> bool:
        value = data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(_join(path, key), "must be true or false")
            return default
        return value

    def integer(self, data: Mapping, path: str, key: str, default: int, low: int, high: int) -> int:
        value = data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(_join(path, key), "must be a whole number")
            return default
        if not low <= value <= high:
            self.error(_join(path, key), f"must be between {low} and {high}")
            return default
        return value


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _read_secret(
    reader: _Reader,
    value: Any,
    path: str,
    *,
    stored: Secret | None,
    required: bool,
    environ: Mapping[str, str] | None,
    validator: Callable[[str], None] | None = None,
) -> Secret:
    """A secret given literally, as `env:NAME`, as the stored one's fingerprint, or left out."""
    if value is None or value == "":
        if required and (stored is None or not stored.fingerprint):
            reader.error(path, "is required")
        return Secret()
    if isinstance(value, Mapping) and set(value) == {"fingerprint"}:
        # An exported file names the stored secret by fingerprint: "keep it".
        if stored is None or value["fingerprint"] != stored.fingerprint:
            reader.error(
                path,
                "names a secret by fingerprint that is not the stored one; give the value "
                "or env:NAME",
            )
        return Secret()
    if not isinstance(value, str):
        reader.error(path, 'must be a text, "env:NAME" or {"fingerprint": …}')
        return Secret()
    if value.startswith("env:"):
        name = value[4:]
        if environ is None:
            reader.error(
                path,
                "env:NAME is resolved only by `manage.py import_platform` on the server; "
                "give the value itself here",
            )
            return Secret()
        if name not in environ:
            reader.error(path, f"environment variable {name} is not set")
            return Secret()
        value = environ[name]
        if not value:
            reader.error(path, f"environment variable {name} is empty")
            return Secret()
    if value.startswith(FINGERPRINT_PREFIX):
        reader.error(path, "looks like a fingerprint, not a secret value")
        return Secret()
    if validator is not None:
        reader.check(path, validator, value)
        if path in reader.errors:
            return Secret()
    return Secret.of(value)


def _read_role_mappings(reader: _Reader, data: Any, path: str) -> tuple[RoleMappingRecord, ...]:
    """`roleMappings`: a list of {mapKey, mapValue}, or the mapping Dhall turns it into."""
    if data is None:
        return ()
    if isinstance(data, Mapping):
        entries = [
            ({"mapKey": key, "mapValue": value}, _join(path, key)) for key, value in data.items()
        ]
    elif isinstance(data, list):
        entries = [(entry, _join(path, index)) for index, entry in enumerate(data)]
    else:
        reader.error(path, "must be a list of {mapKey, mapValue}")
        return ()
    mappings, seen = [], set()
    for entry, entry_path in entries:
        entry = reader.mapping(entry, entry_path, ("mapKey", "mapValue"))
        if not entry:
            continue
        project_role = reader.text(entry, entry_path, "mapKey", required=True)
        if project_role:
            reader.check(
                _join(entry_path, "mapKey"),
                patterns.validate_identifier,
                project_role,
                max_length=50,
                kind="project role",
            )
            if project_role in seen:
                reader.error(
                    _join(entry_path, "mapKey"), f"project role {project_role!r} is mapped twice"
                )
            seen.add(project_role)
        value_path = _join(entry_path, "mapValue")
        value = reader.mapping(
            entry.get("mapValue"), value_path, ("roleName", "policyArn", "policyArns")
        )
        role_name = reader.text(value, value_path, "roleName", required=True)
        if role_name:
            reader.check(_join(value_path, "roleName"), patterns.validate_role_name, role_name)
        policy_arns = _read_policy_arns(reader, value, value_path)
        mappings.append(RoleMappingRecord(project_role, role_name, policy_arns))
    return tuple(mappings)


def _read_policy_arns(reader: _Reader, value: Mapping, path: str) -> tuple[str, ...]:
    single, many = value.get("policyArn"), value.get("policyArns")
    if single is not None and many is not None:
        reader.error(path, "give policyArn or policyArns, not both")
        return ()
    if many is None:
        arns, arn_paths = ([single], [_join(path, "policyArn")]) if single is not None else ([], [])
    elif isinstance(many, list):
        arns = many
        arn_paths = [_join(_join(path, "policyArns"), index) for index in range(len(many))]
    else:
        reader.error(_join(path, "policyArns"), "must be a list of policy ARNs")
        return ()
    if len(arns) > MAX_POLICIES_PER_ROLE:
        reader.error(
            _join(path, "policyArns"),
            f"has {len(arns)} policies; AWS attaches at most {MAX_POLICIES_PER_ROLE} to a role",
        )
    if len(set(arns)) != len(arns):
        reader.error(_join(path, "policyArns"), "names a policy twice")
    for arn, arn_path in zip(arns, arn_paths, strict=True):
        if not isinstance(arn, str):
            reader.error(arn_path, "must be a text")
        else:
            reader.check(arn_path, patterns.validate_policy_arn, arn)
    return tuple(arn for arn in arns if isinstance(arn, str))


def _read_landing_zones(reader: _Reader, data: Any, region: str) -> tuple[LandingZoneRecord, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        reader.error("landingZones", "must be a list")
        return ()
    zones, seen = [], set()
    for index, entry in enumerate(data):
        path = _join("landingZones", index)
        entry = reader.mapping(entry, path, LANDING_ZONE_KEYS)
        if not entry:
            continue
        identifier = reader.text(entry, path, "identifier", required=True)
        if identifier:
            reader.check(
                _join(path, "identifier"),
                patterns.validate_identifier,
                identifier,
                max_length=63,
                kind="landing zone identifier",
            )
            if identifier in seen:
                reader.error(
                    _join(path, "identifier"), f"landing zone {identifier!r} appears twice"
                )
            seen.add(identifier)
        display_name = reader.text(entry, path, "displayName", required=False, max_length=100)
        target = reader.text(entry, path, "targetOrganizationalUnit", required=True)
        if target:
            reader.check(
                _join(path, "targetOrganizationalUnit"), patterns.validate_target_ou, target
            )
        stack_set_name = reader.text(entry, path, "stackSetName", required=False)
        if stack_set_name:
            reader.check(
                _join(path, "stackSetName"), patterns.validate_stack_set_name, stack_set_name
            )
        template = reader.text(
            entry, path, "bootstrapTemplate", required=False, max_length=1_000_000
        )
        if template:
            reader.check(
                _join(path, "bootstrapTemplate"),
                patterns.validate_cloudformation_template,
                template,
            )
        if stack_set_name and template:
            reader.error(
                path, "give stackSetName (an existing StackSet) or bootstrapTemplate, not both"
            )
        stack_set_region = reader.text(entry, path, "stackSetRegion", required=False)
        if stack_set_region:
            reader.check(_join(path, "stackSetRegion"), patterns.validate_region, stack_set_region)
        elif stack_set_name or template:
            stack_set_region = region
        own_mappings = entry.get("roleMappings")
        role_mappings = (
            None
            if own_mappings is None
            else _read_role_mappings(reader, own_mappings, _join(path, "roleMappings"))
        )
        zones.append(
            LandingZoneRecord(
                identifier=identifier,
                display_name=display_name or identifier,
                target_organizational_unit=target,
                stack_set_name=stack_set_name,
                stack_set_region=stack_set_region,
                bootstrap_template=template,
                role_mappings=role_mappings,
                disabled=reader.boolean(entry, path, "disabled", False),
            )
        )
    return tuple(zones)


def parse_record(
    data: Any,
    *,
    stored: PlatformRecord | None = None,
    environ: Mapping[str, str] | None = None,
) -> PlatformRecord:
    """A valid PlatformRecord from `data`, or RecordInvalid listing every error by path.

    `stored` is the platform's current record when this updates it: secrets left out, or
    given as the stored fingerprint, keep their stored value. `environ` resolves `env:NAME`
    secrets (the command passes os.environ); None refuses them, as web uploads must: a
    server's environment is not the uploader's to read.
    """
    reader = _Reader()
    data = reader.mapping(data, "", RECORD_KEYS)
    if reader.errors and not data:
        raise RecordInvalid(reader.errors)

    platform = reader.text(data, "", "platform", required=True)
    if platform:
        reader.check("platform", patterns.validate_platform_identifier, platform)
    region = reader.text(data, "", "region", required=True)
    if region:
        reader.check("region", patterns.validate_region, region)

    service_user = data.get("meshfedServiceUser")
    if service_user is None:
        service_user = {}
    service_user = reader.mapping(service_user, "meshfedServiceUser", ("accessKey", "secretKey"))
    access_key = _read_secret(
        reader,
        service_user.get("accessKey"),
        "meshfedServiceUser.accessKey",
        stored=stored.access_key if stored else None,
        required=True,
        environ=environ,
    )
    secret_key = _read_secret(
        reader,
        service_user.get("secretKey"),
        "meshfedServiceUser.secretKey",
        stored=stored.secret_key if stored else None,
        required=True,
        environ=environ,
    )
    privileged_external_id = _read_secret(
        reader,
        data.get("privilegedExternalId"),
        "privilegedExternalId",
        stored=stored.privileged_external_id if stored else None,
        required=False,
        environ=environ,
        validator=patterns.validate_external_id,
    )

    role_fields = {}
    for key in ("organizationRootAccountRole", "automationAccountRole"):
        role_fields[key] = reader.text(data, "", key, required=True)
        if role_fields[key]:
            reader.check(key, patterns.validate_role_arn, role_fields[key])
    for key in ("organizationRootAccountExternalId", "automationAccountExternalId"):
        role_fields[key] = reader.text(data, "", key, required=False)
        if role_fields[key]:
            reader.check(key, patterns.validate_external_id, role_fields[key])

    customer_length = reader.integer(
        data, "", "customerIdentifierLength", patterns.DEFAULT_CUSTOMER_IDENTIFIER_LENGTH, 1,
        patterns.MAX_CUSTOMER_IDENTIFIER_LENGTH,
    )  # fmt: skip
    project_length = reader.integer(
        data, "", "projectIdentifierLength", patterns.DEFAULT_PROJECT_IDENTIFIER_LENGTH, 1,
        patterns.MAX_PROJECT_IDENTIFIER_LENGTH,
    )  # fmt: skip
    limits = {"customer_length": customer_length, "project_length": project_length}

    email_template, external = _read_provisioning(reader, data, limits, platform)

    account_access_role = reader.text(data, "", "accountAccessRole", required=False)
    if account_access_role:
        reader.check("accountAccessRole", patterns.validate_access_role_name, account_access_role)
    alias_pattern = reader.text(data, "", "accountAliasPattern", required=False, max_length=200)
    warnings: list[str] = []
    if alias_pattern:
        found = reader.check(
            "accountAliasPattern", patterns.validate_alias_pattern, alias_pattern,
            platform=platform, **limits,
        )  # fmt: skip
        warnings += [f"accountAliasPattern: {warning}" for warning in found or []]

    tag_prefix = reader.text(data, "", "tagPrefix", required=False)
    if tag_prefix:
        reader.check("tagPrefix", patterns.validate_tag_prefix, tag_prefix)

    idp_name, idp_metadata = "", ""
    if data.get("identityProvider") is not None:
        idp = reader.mapping(
            data["identityProvider"], "identityProvider", ("name", "metadataDocument")
        )
        idp_name = reader.text(idp, "identityProvider", "name", required=True)
        if idp_name:
            reader.check("identityProvider.name", patterns.validate_saml_provider_name, idp_name)
        idp_metadata = reader.text(idp, "identityProvider", "metadataDocument", required=True)
        if idp_metadata:
            reader.check(
                "identityProvider.metadataDocument", patterns.validate_saml_metadata, idp_metadata
            )

    endpoint_url = reader.text(data, "", "endpointUrl", required=False, max_length=300)
    if endpoint_url:
        http_url = URLValidator(schemes=["http", "https"], message="must be an http(s) URL")
        reader.check("endpointUrl", http_url, endpoint_url)

    record = PlatformRecord(
        platform=platform,
        region=region,
        access_key=access_key,
        secret_key=secret_key,
        organization_root_account_role=role_fields["organizationRootAccountRole"],
        automation_account_role=role_fields["automationAccountRole"],
        organization_root_account_external_id=role_fields["organizationRootAccountExternalId"],
        automation_account_external_id=role_fields["automationAccountExternalId"],
        wait_for_external_avm=reader.boolean(data, "", "waitForExternalAvm", False),
        role_mappings=_read_role_mappings(reader, data.get("roleMappings"), "roleMappings"),
        account_email_template=email_template,
        external_provisioning=external,
        account_access_role=account_access_role,
        account_alias_pattern=alias_pattern,
        privileged_external_id=privileged_external_id,
        enforce_account_alias=reader.boolean(data, "", "enforceAccountAlias", False),
        customer_identifier_length=customer_length,
        project_identifier_length=project_length,
        tag_prefix=tag_prefix,
        identity_provider_name=idp_name,
        identity_provider_metadata=idp_metadata,
        landing_zones=_read_landing_zones(reader, data.get("landingZones"), region),
        account_creation_concurrency=reader.integer(
            data,
            "",
            "accountCreationConcurrency",
            MAX_ACCOUNT_CREATION_CONCURRENCY,
            1,
            MAX_ACCOUNT_CREATION_CONCURRENCY,
        ),  # fmt: skip
        endpoint_url=endpoint_url,
        external_avm_timeout_minutes=reader.integer(
            data, "", "externalAvmTimeoutMinutes", 60, 1, MAX_TIMEOUT_MINUTES
        ),
        warnings=tuple(warnings),
    )
    if reader.errors:
        raise RecordInvalid(_in_record_order(reader.errors))
    return record.keeping_secrets_of(stored)


def _read_provisioning(
    reader: _Reader, data: Mapping, limits: dict[str, int], platform: str
) -> tuple[str | None, dict[str, Any] | None]:
    """Exactly one of meshProvisioning / externalProvisioning."""
    mesh, external = data.get("meshProvisioning"), data.get("externalProvisioning")
    if (mesh is None) == (external is None):
        reader.error(
            "meshProvisioning",
            "give exactly one of meshProvisioning (meshaws creates accounts) and "
            "externalProvisioning (an external vending machine does)",
        )
        return None, None
    if mesh is not None:
        mesh = reader.mapping(mesh, "meshProvisioning", ("accountEmailTemplate",))
        template = reader.text(
            mesh, "meshProvisioning", "accountEmailTemplate", required=True, max_length=64
        )
        if template:
            reader.check(
                "meshProvisioning.accountEmailTemplate", patterns.validate_email_template,
                template, platform=platform, **limits,
            )  # fmt: skip
        return template, None
    external = reader.mapping(
        external, "externalProvisioning", ("timeoutMinutes", "customerTagKey", "projectTagKey")
    )
    result = {
        "timeoutMinutes": reader.integer(
            external, "externalProvisioning", "timeoutMinutes", 60, 1, MAX_TIMEOUT_MINUTES
        ),
        "customerTagKey": reader.text(
            external, "externalProvisioning", "customerTagKey", required=False
        )
        or DEFAULT_CUSTOMER_TAG_KEY,
        "projectTagKey": reader.text(
            external, "externalProvisioning", "projectTagKey", required=False
        )
        or DEFAULT_PROJECT_TAG_KEY,
    }
    for key in ("customerTagKey", "projectTagKey"):
        reader.check(f"externalProvisioning.{key}", patterns.validate_tag_key_name, result[key])
    if result["customerTagKey"] == result["projectTagKey"]:
        reader.error("externalProvisioning.projectTagKey", "must differ from customerTagKey")
    return None, result


def _in_record_order(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    def position(path: str) -> tuple[int, str]:
        head = path.split(".")[0].split("[")[0]
        return (RECORD_KEYS.index(head) if head in RECORD_KEYS else len(RECORD_KEYS), path)

    return {path: errors[path] for path in sorted(errors, key=position)}


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
    )


def _mapping_records(mappings) -> tuple[RoleMappingRecord, ...]:
    return tuple(
        RoleMappingRecord(m.project_role, m.role_name, tuple(m.policy_arns)) for m in mappings
    )


# --- files -------------------------------------------------------------------------------


class RecordFileError(Exception):
    """A platform file that cannot be read as a record at all (syntax, missing binding)."""


def load_record_text(text: str, *, filename: str) -> Any:
    """The data in a platform file: JSON, or Dhall when the name ends in .dhall."""
    if Path(filename).suffix.lower() == ".dhall":
        return _load_dhall(text)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise RecordFileError(
            f"{filename} is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None


def _load_dhall(text: str) -> Any:
    try:
        import dhall
    except ImportError:
        raise RecordFileError(
            "Dhall files need the dhall binding: pip install -e '.[dhall]' (Python 3.11 or "
            "older); or convert the file to JSON with dhall-to-json"
        ) from None
    try:
        return dhall.loads(text)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # noqa: BLE001 - the Rust binding panics with a BaseException
        first_line = (str(error).strip().splitlines() or ["unknown error"])[0]
        raise RecordFileError(f"Dhall could not evaluate the file: {first_line[:300]}") from None


def dump_json(record: PlatformRecord) -> str:
    """The record as the JSON file `export_platform` writes: no secret values."""
    return json.dumps(record.as_dict(), indent=2) + "\n"
