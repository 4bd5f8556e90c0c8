"""Parsing and validating a whole record: parse_record and the RecordInvalid it raises."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.validators import URLValidator

from platforms import patterns
from platforms.secrets import LEGACY_FINGERPRINT_PREFIX, is_fingerprint

from .destinations import secrets_to_type_again
from .reader import _Reader
from .record import (
    MAX_ACCOUNT_CREATION_CONCURRENCY,
    MAX_TIMEOUT_MINUTES,
    RECORD_KEYS,
    WEB_IDENTITY_KEYS,
    PlatformRecord,
    Secret,
)
from .sections import _read_landing_zones, _read_provisioning, _read_role_mappings


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
        given = value["fingerprint"]
        if isinstance(given, str) and given.startswith(LEGACY_FINGERPRINT_PREFIX):
            # Checking it would mean hashing the stored secret bare again: a guess oracle.
            reader.error(
                path,
                "names a secret by an unkeyed sha256 fingerprint from an older export, which "
                "cannot be checked; export the platform again, or give the value or env:NAME",
            )
            return Secret()
        if stored is None or given != stored.fingerprint:
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
    if is_fingerprint(value):
        reader.error(path, "looks like a fingerprint, not a secret value")
        return Secret()
    if validator is not None:
        reader.check(path, validator, value)
        if path in reader.errors:
            return Secret()
    return Secret.of(value)


def parse_record(
    data: Any,
    *,
    stored: PlatformRecord | None = None,
    environ: Mapping[str, str] | None = None,
) -> PlatformRecord:
    """A valid PlatformRecord from `data`, or RecordInvalid listing every error by path.

    `stored` is the platform's current record when this updates it: secrets left out, or
    given as the stored fingerprint, keep their stored value, unless the change sends them
    somewhere new (config_io.destinations). Without `meshfedServiceUser` the platform uses
    web identity or the default credential chain, and no keys. `environ` resolves `env:NAME`
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

    access_keys, access_key, secret_key = _read_service_user(reader, data, stored, environ)
    web_identity_role_arn, web_identity_token_file = _read_web_identity(reader, data)
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

    sign_in_template = reader.text(
        data, "", "consoleSignInUrlTemplate", required=False,
        max_length=patterns.MAX_CONSOLE_SIGN_IN_URL_TEMPLATE,
    )  # fmt: skip
    if sign_in_template:
        reader.check(
            "consoleSignInUrlTemplate", patterns.validate_console_sign_in_url_template,
            sign_in_template,
        )  # fmt: skip
        valid = "consoleSignInUrlTemplate" not in reader.errors
        if (
            valid
            and data.get("identityProvider") is None
            and "provider_arn" in patterns.console_sign_in_placeholders(sign_in_template)
        ):
            reader.error(
                "consoleSignInUrlTemplate",
                "uses {provider_arn}, but the platform has no identityProvider",
            )

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
        console_sign_in_url_template=sign_in_template,
        access_keys=access_keys,
        web_identity_role_arn=web_identity_role_arn,
        web_identity_token_file=web_identity_token_file,
        warnings=tuple(warnings),
    )
    if stored is not None:
        for path, messages in secrets_to_type_again(record, stored).items():
            for message in messages:
                reader.error(path, message)
    if reader.errors:
        raise RecordInvalid(_in_record_order(reader.errors))
    return record.keeping_secrets_of(stored)


def _read_service_user(
    reader: _Reader,
    data: Mapping,
    stored: PlatformRecord | None,
    environ: Mapping[str, str] | None,
) -> tuple[bool, Secret, Secret]:
    """`meshfedServiceUser`: the access keys, or none (null or left out: keyless credentials)."""
    service_user = data.get("meshfedServiceUser")
    if service_user is None:
        return False, Secret(), Secret()
    service_user = reader.mapping(service_user, "meshfedServiceUser", ("accessKey", "secretKey"))
    keys_stored = stored is not None and stored.access_keys
    keys = [
        _read_secret(
            reader,
            service_user.get(key),
            f"meshfedServiceUser.{key}",
            stored=getattr(stored, attribute) if keys_stored else None,
            required=True,
            environ=environ,
        )
        for key, attribute in (("accessKey", "access_key"), ("secretKey", "secret_key"))
    ]
    return True, keys[0], keys[1]


def _read_web_identity(reader: _Reader, data: Mapping) -> tuple[str, str]:
    """`webIdentity`: {roleArn, tokenFile} for AssumeRoleWithWebIdentity, or null."""
    web_identity = data.get("webIdentity")
    if web_identity is None:
        return "", ""
    if data.get("meshfedServiceUser") is not None:
        reader.error(
            "webIdentity",
            "give meshfedServiceUser (access keys) or webIdentity, not both; leave both out "
            "for the default credential chain",
        )
    web_identity = reader.mapping(web_identity, "webIdentity", WEB_IDENTITY_KEYS)
    role_arn = reader.text(web_identity, "webIdentity", "roleArn", required=True)
    if role_arn:
        reader.check("webIdentity.roleArn", patterns.validate_role_arn, role_arn)
    token_file = reader.text(
        web_identity, "webIdentity", "tokenFile", required=True,
        max_length=patterns.MAX_TOKEN_FILE_PATH,
    )  # fmt: skip
    if token_file:
        reader.check("webIdentity.tokenFile", patterns.validate_token_file, token_file)
    endpoint_url = data.get("endpointUrl")
    if endpoint_url and isinstance(endpoint_url, str):
        reader.check("endpointUrl", patterns.validate_web_identity_endpoint, endpoint_url)
    return role_arn, token_file


def _in_record_order(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    def position(path: str) -> tuple[int, str]:
        head = path.split(".")[0].split("[")[0]
        return (RECORD_KEYS.index(head) if head in RECORD_KEYS else len(RECORD_KEYS), path)

    return {path: errors[path] for path in sorted(errors, key=position)}
