"""The desired state of one project account, computed from the database. Pure: no AWS."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from accounts.models import ProjectAccount

DEFAULT_ACCESS_ROLE = "OrganizationAccountAccessRole"
SAML_AUDIENCE = "https://signin.aws.amazon.com/saml"
# meshaws' statement in a mapped role's trust policy, beside any others the role has. IAM Sids
# are letters and digits only.
SAML_TRUST_SID = "MeshawsSamlSignIn"
MAX_TAG_KEY, MAX_TAG_VALUE = 128, 256
_TAG_ILLEGAL = re.compile(r"[^\w .:/=+\-@]")


@dataclass(frozen=True)
class DesiredRole:
    """An IAM role a project role maps to, with the policies it must have attached."""

    project_role: str
    name: str
    policy_arns: tuple[str, ...]


@dataclass(frozen=True)
class DesiredStack:
    """The landing zone's bootstrap: a StackSet (ours or an existing one) and its region."""

    stack_set_name: str
    region: str
    template: str = ""  # set when meshaws owns the StackSet

    @property
    def owned(self) -> bool:
        return bool(self.template)


@dataclass(frozen=True)
class DesiredAccount:
    """Everything one account must look like in AWS."""

    platform: str
    customer: str
    project: str
    email: str
    name: str
    alias: str
    enforce_alias: bool
    target_ou: str
    access_role: str
    tag_prefix: str
    tags: dict[str, str]
    saml_provider_name: str
    saml_metadata: str
    roles: tuple[DesiredRole, ...]
    stack: DesiredStack | None
    external_provisioning: dict | None
    wait_for_external_avm: bool
    external_avm_timeout_minutes: int
    # The tags an external account vending machine sets: customer and project identifiers.
    avm_tag_keys: tuple[str, str] = ("ProductName", "Stage")
    stack_parameters: dict[str, str] = field(default_factory=dict)

    def saml_provider_arn(self, account_id: str) -> str:
        return f"arn:aws:iam::{account_id}:saml-provider/{self.saml_provider_name}"

    def saml_trust_statement(self, account_id: str) -> dict:
        """meshaws' statement in a mapped role's trust: sign-in through the SAML provider."""
        return {
            "Sid": SAML_TRUST_SID,
            "Effect": "Allow",
            "Principal": {"Federated": self.saml_provider_arn(account_id)},
            "Action": "sts:AssumeRoleWithSAML",
            "Condition": {"StringEquals": {"SAML:aud": SAML_AUDIENCE}},
        }

    def trust_policy(self, account_id: str) -> dict:
        """The trust of a mapped role meshaws creates: its SAML statement alone."""
        return {"Version": "2012-10-17", "Statement": [self.saml_trust_statement(account_id)]}


def tag(text: str, limit: int) -> str:
    """A tag key or value AWS accepts: illegal characters become `_`, then truncated."""
    return _TAG_ILLEGAL.sub("_", text)[:limit]


def account_tags(account: ProjectAccount) -> dict[str, str]:
    """The tags meshaws owns on the account: all under the platform's tag prefix."""
    platform, project = account.platform, account.project
    prefix = platform.tag_prefix
    wanted = {
        "customer": project.customer.identifier,
        "project": project.identifier,
        "platform": platform.full_identifier,
        **project.tags,
    }
    return {
        tag(prefix + key, MAX_TAG_KEY): tag(value, MAX_TAG_VALUE) for key, value in wanted.items()
    }


def for_account(account: ProjectAccount) -> DesiredAccount:
    """The desired state of `account` (its project, platform and landing zone prefetched)."""
    platform, zone, project = account.platform, account.landing_zone, account.project
    mappings = (
        zone.role_mappings.all() if zone.replaces_role_mappings else platform.role_mappings.all()
    )
    stack = None
    if zone.bootstrap_template:
        stack = DesiredStack(
            stack_set_name=f"meshaws-{platform.identifier}-{zone.identifier}",
            region=zone.stack_set_region or platform.region,
            template=zone.bootstrap_template,
        )
    elif zone.stack_set_name:
        stack = DesiredStack(zone.stack_set_name, zone.stack_set_region or platform.region)
    external = None
    if platform.provisioning == platform.Provisioning.EXTERNAL:
        external = {
            "timeout_minutes": platform.external_timeout_minutes,
            "customer_tag_key": platform.external_customer_tag_key,
            "project_tag_key": platform.external_project_tag_key,
        }
    return DesiredAccount(
        platform=platform.full_identifier,
        customer=project.customer.identifier,
        project=project.identifier,
        email=account.email,
        name=account.name,
        alias=account.alias,
        enforce_alias=platform.enforce_account_alias,
        target_ou=zone.target_organizational_unit,
        access_role=platform.account_access_role or DEFAULT_ACCESS_ROLE,
        tag_prefix=platform.tag_prefix,
        tags=account_tags(account),
        saml_provider_name=platform.identity_provider_name,
        saml_metadata=platform.identity_provider_metadata,
        roles=tuple(
            DesiredRole(m.project_role, m.role_name, tuple(m.policy_arns)) for m in mappings
        ),
        stack=stack,
        external_provisioning=external,
        wait_for_external_avm=platform.wait_for_external_avm,
        external_avm_timeout_minutes=platform.external_avm_timeout_minutes,
        avm_tag_keys=(platform.external_customer_tag_key, platform.external_project_tag_key),
        stack_parameters={
            "AccountName": account.name,
            "AccountEmail": account.email,
            "ProductName": project.customer.identifier,
            "Stage": project.identifier,
        },
    )
