"""The sandbox organization: a local AWS emulator set up the way the integration page says, and
the platform `sandbox.local` that points at it.

`bootstrap()` is idempotent: against an emulator that already has the setup (the one that
`make run` restores from var/sandbox/, see `persistence`) it changes nothing and returns the same
ids, so `make run` can call it at every start. The platforms are created once: an existing one is
the operator's and is never overwritten (unless `reset`, `run_sandbox --reset-platforms`).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import aws
from meshaws_site.private_files import write_private_file
from platforms import config_io, selectors, services
from platforms.models import Location

from .identity_center import SSO_PLATFORM, ensure_identity_center, sso_platform_record
from .policies import (
    AUTOMATION_ROLE_POLICY,
    service_role_policy,
    service_user_policy,
    trust_service_user,
)

# moto's built-in account that answers for unknown access keys: our management account.
MANAGEMENT_ACCOUNT_ID = "123456789012"
MANAGEMENT_CREDENTIALS = aws.Credentials("AKIASANDBOXMANAGEMENT", "sandbox-management-secret")
SERVICE_USER = "meshfed-service"
SERVICE_ROLE = "MeshfedServiceRole"
AUTOMATION_ROLE = "MeshfedAutomationRole"
ACCOUNT_ACCESS_ROLE = "MeshstackAccountAccessRole"
LANDING_ZONE_OU = "meshaws-landing-zone"
RETIRED_OU = "meshaws-retired"
MESHCLOUD_ACCOUNT = ("meshcloud", "sandbox+meshcloud@meshaws.example.com")
AUTOMATION_ACCOUNT = ("automation", "sandbox+automation@meshaws.example.com")
# The emulator is local: it answers at once or is not running, so long back-off only hides that.
SANDBOX_MAX_ATTEMPTS = 2


@dataclass(frozen=True)
class SandboxState:
    """What the bootstrap made, with everything an operator needs to configure a platform."""

    endpoint_url: str
    region: str
    organization_id: str
    root_id: str
    management_account_id: str
    meshcloud_account_id: str
    automation_account_id: str
    landing_zone_ou_id: str
    service_role_arn: str
    automation_role_arn: str
    account_access_role: str
    service_user_arn: str
    access_key_id: str
    secret_access_key: str
    privileged_external_id: str
    management_external_id: str
    automation_external_id: str
    # IAM Identity Center: the instance, permission set ARNs by name, user ids by userName.
    instance_arn: str
    identity_store_id: str
    permission_set_arns: dict[str, str]
    users: dict[str, str]
    # Where retired sandbox accounts go (empty in states written before it existed).
    retired_ou_id: str = ""

    def public_summary(self) -> dict:
        """The state without its secrets, for printing."""
        return _without_secrets(asdict(self))


SECRET_FIELDS = frozenset({"secret_access_key", "privileged_external_id"})


def _without_secrets(state: dict) -> dict:
    return {key: value for key, value in state.items() if key not in SECRET_FIELDS}


class _Sandbox:
    """Clients against one emulator, and the idempotent ensure_* steps of the bootstrap."""

    def __init__(self, endpoint_url: str, region: str) -> None:
        self.endpoint_url = endpoint_url
        self.region = region

    def client(self, service: str, credentials: aws.Credentials, region: str | None = None):
        return aws.client(
            service,
            region=region or self.region,
            credentials=credentials,
            endpoint_url=self.endpoint_url,
            max_attempts=SANDBOX_MAX_ATTEMPTS,
        )

    def ensure_organization(self, org) -> tuple[str, str]:
        try:
            organization = aws.call(org, "describe_organization")["Organization"]
        except aws.AwsError as error:
            if error.code != "AWSOrganizationsNotInUseException":
                raise
            organization = aws.call(org, "create_organization", FeatureSet="ALL")["Organization"]
        root_id = aws.call(org, "list_roots")["Roots"][0]["Id"]
        return organization["Id"], root_id

    def ensure_member_account(self, org, name: str, email: str) -> str:
        for account in aws.paginate(org, "list_accounts", "Accounts"):
            if account["Email"] == email:
                return account["Id"]
        request = aws.call(org, "create_account", AccountName=name, Email=email)
        request_id = request["CreateAccountStatus"]["Id"]
        status = aws.call(org, "describe_create_account_status", CreateAccountRequestId=request_id)
        return status["CreateAccountStatus"]["AccountId"]

    def ensure_ou(self, org, root_id: str, name: str) -> str:
        units = aws.paginate(
            org, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=root_id
        )
        for unit in units:
            if unit["Name"] == name:
                return unit["Id"]
        created = aws.call(org, "create_organizational_unit", ParentId=root_id, Name=name)
        return created["OrganizationalUnit"]["Id"]

    def credentials_in(self, account_id: str) -> aws.Credentials:
        """Act inside a member account through the role Organizations created with it."""
        return aws.assume_role(
            credentials=MANAGEMENT_CREDENTIALS,
            role_arn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
            session_name="meshaws-sandbox-bootstrap",
            region=self.region,
            endpoint_url=self.endpoint_url,
            max_attempts=SANDBOX_MAX_ATTEMPTS,
        )

    def ensure_role(self, iam, name: str, trust_policy: str, policy_name: str, policy: str) -> str:
        try:
            arn = aws.call(iam, "get_role", RoleName=name)["Role"]["Arn"]
            aws.call(iam, "update_assume_role_policy", RoleName=name, PolicyDocument=trust_policy)
        except aws.AwsError as error:
            if error.code != "NoSuchEntity":
                raise
            arn = aws.call(
                iam, "create_role", RoleName=name, AssumeRolePolicyDocument=trust_policy
            )["Role"]["Arn"]
        aws.call(
            iam, "put_role_policy", RoleName=name, PolicyName=policy_name, PolicyDocument=policy
        )
        return arn

    def ensure_service_user(self, iam, known: dict) -> tuple[str, str, str]:
        try:
            user_arn = aws.call(iam, "get_user", UserName=SERVICE_USER)["User"]["Arn"]
        except aws.AwsError as error:
            if error.code != "NoSuchEntity":
                raise
            user_arn = aws.call(iam, "create_user", UserName=SERVICE_USER)["User"]["Arn"]
        keys = aws.call(iam, "list_access_keys", UserName=SERVICE_USER)["AccessKeyMetadata"]
        key_ids = {key["AccessKeyId"] for key in keys}
        if known.get("access_key_id") in key_ids and known.get("secret_access_key"):
            return user_arn, known["access_key_id"], known["secret_access_key"]
        # The secret of an existing key cannot be read back: replace the keys we lost track of.
        for key_id in key_ids:
            aws.call(iam, "delete_access_key", UserName=SERVICE_USER, AccessKeyId=key_id)
        key = aws.call(iam, "create_access_key", UserName=SERVICE_USER)["AccessKey"]
        return user_arn, key["AccessKeyId"], key["SecretAccessKey"]

    def allow_service_user(self, iam, *role_arns: str) -> None:
        """Give meshfed-service docs/aws-setup.md's policy: assume these roles."""
        aws.call(
            iam, "put_user_policy", UserName=SERVICE_USER, PolicyName=f"{SERVICE_USER}Policy",
            PolicyDocument=service_user_policy(*role_arns),
        )  # fmt: skip


def load_state(state_file: Path) -> dict:
    """The last bootstrap's state, or {} when there is none or it is unreadable."""
    try:
        return json.loads(state_file.read_text())
    except (OSError, ValueError):
        return {}


def load_public_state(state_file: Path) -> dict:
    """The last bootstrap's state without its secrets, for pages; {} when there is none."""
    return _without_secrets(load_state(state_file))


def bootstrap(*, endpoint_url: str, region: str, state_file: Path) -> SandboxState:
    """Set up (or confirm) the organization, the three accounts, the roles, the OU and the
    Identity Center instance's permission sets and users."""
    known = load_state(state_file)
    sandbox = _Sandbox(endpoint_url, region)
    org = sandbox.client("organizations", MANAGEMENT_CREDENTIALS, region=aws.ORGANIZATIONS_REGION)

    organization_id, root_id = sandbox.ensure_organization(org)
    meshcloud_id = sandbox.ensure_member_account(org, *MESHCLOUD_ACCOUNT)
    automation_id = sandbox.ensure_member_account(org, *AUTOMATION_ACCOUNT)
    ou_id = sandbox.ensure_ou(org, root_id, LANDING_ZONE_OU)
    retired_ou_id = sandbox.ensure_ou(org, root_id, RETIRED_OU)

    meshcloud_iam = sandbox.client("iam", sandbox.credentials_in(meshcloud_id))
    user_arn, access_key_id, secret_access_key = sandbox.ensure_service_user(meshcloud_iam, known)

    privileged_external_id = known.get("privileged_external_id") or str(uuid.uuid4())
    management_external_id = known.get("management_external_id") or str(uuid.uuid4())
    automation_external_id = known.get("automation_external_id") or str(uuid.uuid4())
    management_iam = sandbox.client("iam", MANAGEMENT_CREDENTIALS)
    service_role_arn = sandbox.ensure_role(
        management_iam,
        SERVICE_ROLE,
        trust_service_user(user_arn, management_external_id),
        f"{SERVICE_ROLE}Policy",
        service_role_policy(privileged_external_id, MANAGEMENT_ACCOUNT_ID, ACCOUNT_ACCESS_ROLE),
    )
    automation_iam = sandbox.client("iam", sandbox.credentials_in(automation_id))
    automation_role_arn = sandbox.ensure_role(
        automation_iam,
        AUTOMATION_ROLE,
        trust_service_user(user_arn, automation_external_id),
        f"{AUTOMATION_ROLE}Policy",
        AUTOMATION_ROLE_POLICY,
    )
    sandbox.allow_service_user(meshcloud_iam, service_role_arn, automation_role_arn)
    identity_center = ensure_identity_center(
        sandbox.client("sso-admin", MANAGEMENT_CREDENTIALS),
        sandbox.client("identitystore", MANAGEMENT_CREDENTIALS),
    )

    state = SandboxState(
        endpoint_url=endpoint_url,
        region=region,
        organization_id=organization_id,
        root_id=root_id,
        management_account_id=MANAGEMENT_ACCOUNT_ID,
        meshcloud_account_id=meshcloud_id,
        automation_account_id=automation_id,
        landing_zone_ou_id=ou_id,
        service_role_arn=service_role_arn,
        automation_role_arn=automation_role_arn,
        account_access_role=ACCOUNT_ACCESS_ROLE,
        service_user_arn=user_arn,
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        privileged_external_id=privileged_external_id,
        management_external_id=management_external_id,
        automation_external_id=automation_external_id,
        instance_arn=identity_center.instance_arn,
        identity_store_id=identity_center.identity_store_id,
        permission_set_arns=identity_center.permission_set_arns,
        users=identity_center.users,
        retired_ou_id=retired_ou_id,
    )
    # It holds the sandbox's keys: owner-only, in an owner-only folder.
    write_private_file(state_file, json.dumps(asdict(state), indent=2))
    return state


SANDBOX_PLATFORM, SANDBOX_LOCATION = "sandbox", "local"
SANDBOX_PLATFORMS = (SANDBOX_PLATFORM, SSO_PLATFORM)


def sample_saml_metadata() -> str:
    """SAML metadata of a made-up identity provider, so that sandbox roles get their trust."""
    certificate = "MIIC" + "A" * 900 + "=="  # a placeholder; the emulator checks no signature
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        'entityID="https://idp.sandbox.invalid/saml/metadata">'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">'
        f"<ds:X509Data><ds:X509Certificate>{certificate}</ds:X509Certificate></ds:X509Data>"
        "</ds:KeyInfo></md:KeyDescriptor>"
        '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        'Location="https://idp.sandbox.invalid/saml/sso"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>\n"
    )


def platform_record(state: SandboxState) -> dict:
    """A platform record (the import format) that points at this sandbox emulator."""
    return {
        "platform": SANDBOX_PLATFORM,
        "region": state.region,
        "meshfedServiceUser": {
            "accessKey": state.access_key_id,
            "secretKey": state.secret_access_key,
        },
        "organizationRootAccountRole": state.service_role_arn,
        "organizationRootAccountExternalId": state.management_external_id,
        "automationAccountRole": state.automation_role_arn,
        "automationAccountExternalId": state.automation_external_id,
        "waitForExternalAvm": False,
        "roleMappings": [
            {
                "mapKey": "admin",
                "mapValue": {
                    "roleName": "ProjectAdmin",
                    "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
                },
            },
            {
                "mapKey": "user",
                "mapValue": {
                    "roleName": "ProjectUser",
                    "policyArn": "arn:aws:iam::aws:policy/PowerUserAccess",
                },
            },
            {
                "mapKey": "reader",
                "mapValue": {
                    "roleName": "ProjectReader",
                    "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
                },
            },
        ],  # fmt: skip
        "meshProvisioning": {"accountEmailTemplate": "aws+%s@sandbox.io"},
        "externalProvisioning": None,
        "accountAccessRole": state.account_access_role,
        "accountAliasPattern": "sandbox-<customer>-<project>",
        "privilegedExternalId": state.privileged_external_id,
        "tagPrefix": "meshaws:",
        "identityProvider": {"name": "sandbox-idp", "metadataDocument": sample_saml_metadata()},
        "landingZones": [
            {
                "identifier": "default",
                "displayName": "Sandbox landing zone",
                "targetOrganizationalUnit": state.landing_zone_ou_id,
                # A newcomer can retire an account end to end: moved aside, then closed.
                "retiredOrganizationalUnit": state.retired_ou_id or None,
                "closeAccountOnDeletion": bool(state.retired_ou_id),
            }
        ],
        "endpointUrl": state.endpoint_url,
    }


def configure_platform(state: SandboxState, *, reset: bool = False):
    """Create the platform `sandbox.local` on this emulator when it does not exist yet.

    An existing one is the operator's: kept as it is, unless `reset` points it at the emulator
    again (`run_sandbox --reset-platforms`).
    """
    return _apply(platform_record(state), "Sandbox (local AWS emulator)", reset=reset)


def configure_sso_platform(state: SandboxState, *, reset: bool = False):
    """Create `sandbox-sso.local` (this emulator, access by Identity Center) when absent; an
    existing one is kept as it is unless `reset`."""
    record = sso_platform_record(state, platform_record(state))
    name = "Sandbox with IAM Identity Center (local AWS emulator)"
    return _apply(record, name, reset=reset)


def differences(applied, state: SandboxState) -> list[str]:
    """The fields in which a kept sandbox platform differs from what the bootstrap would set
    (secrets compared by fingerprint): the operator's edits, or a stale emulator's ids."""
    platform = applied.platform
    record = platform_record(state)
    if platform.identifier == SSO_PLATFORM:
        record = sso_platform_record(state, record)
    wanted = config_io.parse_record(record, environ={}).as_dict()
    actual = config_io.record_of(platform).as_dict()
    keys = wanted.keys() | actual.keys()
    return sorted(key for key in keys if wanted.get(key) != actual.get(key))


def _apply(record: dict, display_name: str, *, reset: bool):
    """Create the platform of `record` in the location `local`; update it only when `reset`."""
    stored = selectors.platform_by_full_identifier(f"{record['platform']}.{SANDBOX_LOCATION}")
    if stored is not None and not reset:
        # Never overwrite an operator's edits: a restart must not revert them.
        return services.PlatformApplied(stored, created=False, changed=False)
    location = Location.objects.filter(identifier=SANDBOX_LOCATION).first()
    if location is None:
        location = services.location_create(
            identifier=SANDBOX_LOCATION, display_name="Local sandbox", actor=None
        )
    parsed = config_io.parse_record(
        record, stored=config_io.record_of(stored) if stored else None, environ={}
    )
    return services.platform_apply(
        location=location, record=parsed, actor=None, reason="sandbox bootstrap",
        display_name=display_name,
    )  # fmt: skip
