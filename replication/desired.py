"""The desired state of one project account, computed from the database. Pure: no AWS."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from accounts.models import Binding, ProjectAccount
from accounts.signin import group_name

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
class DesiredGroup:
    """The Identity Center group of one mapped project role: name, members, permission sets."""

    project_role: str
    display_name: str
    description: str
    members: tuple[str, ...]  # user names: the role's bindings on the project, not expired
    permission_set_arns: tuple[str, ...]


@dataclass(frozen=True)
class DesiredIdentityCenter:
    """Identity Center mode: the instance, the role that reaches it, the account's groups."""

    instance_arn: str
    identity_store_id: str
    region: str
    role_arn: str  # empty: the organization root role
    external_id: str
    groups: tuple[DesiredGroup, ...]


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
    # Set in Identity Center mode only; the SAML provider and roles are SAML mode's.
    identity_center: DesiredIdentityCenter | None = None
    # allowHierarchicalOrganizationalUnitAssignment: an OU below target_ou is good enough.
    allow_hierarchical_ou_assignment: bool = False

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
    mappings = list(
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
            DesiredRole(m.project_role, m.role_name, tuple(m.policy_arns))
            for m in mappings
            if m.role_name
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
        identity_center=desired_identity_center(account, mappings),
        allow_hierarchical_ou_assignment=platform.allow_hierarchical_ou_assignment,
    )


def desired_identity_center(
    account: ProjectAccount, mappings, now: datetime | None = None
) -> DesiredIdentityCenter | None:
    """The account's Identity Center groups, or None when its platform is not in that mode.

    One group per project role mapped to permission sets; its members are the role's
    bindings on the project that have not expired by `now`.
    """
    platform, project = account.platform, account.project
    if platform.access_mode != platform.AccessMode.IDENTITY_CENTER:
        return None
    now = now or timezone.now()
    bound: dict[str, list[str]] = {}
    for role, user, expires_at in Binding.objects.filter(project=project).values_list(
        "role__identifier", "user", "expires_at"
    ):
        if expires_at is None or expires_at > now:
            bound.setdefault(role, []).append(user)
    groups = tuple(
        DesiredGroup(
            project_role=m.project_role,
            display_name=group_name(account, m.project_role),
            description=f"Project {project.full_identifier}, project role {m.project_role} "
            "(managed by meshaws)",
            members=tuple(sorted(bound.get(m.project_role, ()))),
            permission_set_arns=tuple(m.permission_set_arns),
        )
        for m in mappings
        if m.permission_set_arns
    )
    return DesiredIdentityCenter(
        instance_arn=platform.identity_center_instance_arn,
        identity_store_id=platform.identity_center_identity_store_id,
        region=platform.identity_center_region or platform.region,
        role_arn=platform.identity_center_role_arn,
        external_id=platform.identity_center_external_id,
        groups=groups,
    )
