"""Sign-in for project users: what their bindings give them, in which account, and where.

Two access modes, chosen per platform (`PlatformInstance.access_mode`):
- SAML: the identity provider asks meshaws which role ARN + SAML provider ARN pairs a user may
  assume (behaviour.md §6) and puts them in the SAML assertion; the account page shows one
  console sign-in link per role, built from the platform's `consoleSignInUrlTemplate`.
- Identity Center: a user is a member of one group per project role, named from the platform's
  group name pattern, and the group is assigned the mapped permission sets in the account; the
  sign-in link is the platform's AWS access portal (`signInUrl`). The portal's own shortcut links
  name a permission set by its name, which meshaws does not know (only ARNs), so the link is the
  portal itself.
Expired bindings give nothing. Platforms in neither mode give no single sign-on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q
from django.utils import timezone

from platforms import patterns
from platforms.models import PlatformInstance

from .models import Binding, ProjectAccount

AccessMode = PlatformInstance.AccessMode


@dataclass(frozen=True)
class Entitlement:
    """What one project role gives in one account: a SAML role, or Identity Center access."""

    mode: str  # AccessMode.SAML or AccessMode.IDENTITY_CENTER
    project: str  # customer.project
    platform: str  # platform.location
    account: int  # the ProjectAccount's id, for links
    account_id: str | None  # None until the AWS account exists
    project_role: str
    sign_in_url: str | None
    # SAML mode only (None in Identity Center mode, and the ARNs until the account exists)
    role_name: str | None = None
    role_arn: str | None = None
    provider_arn: str | None = None
    # Identity Center mode only
    group_name: str | None = None
    permission_set_arns: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Access:
    """One unexpired binding to an account's project, and what it gives in the account."""

    user: str
    project_role: str
    expires_at: datetime | None
    grants: tuple[Entitlement, ...]  # empty: the project role is not mapped


@dataclass(frozen=True)
class AccountAccess:
    """Who has which access to one account, for its page."""

    mode: str
    mappings: tuple[Entitlement, ...]  # what each mapped project role gives
    people: tuple[Access, ...]


def role_arn(account_id: str, role_name: str) -> str:
    """The ARN of a mapped IAM role in a member account."""
    return f"arn:aws:iam::{account_id}:role/{role_name}"


def provider_arn(account_id: str, provider_name: str) -> str:
    """The ARN of the platform's SAML provider in a member account."""
    return f"arn:aws:iam::{account_id}:saml-provider/{provider_name}"


def effective_role_mappings(account: ProjectAccount) -> list:
    """The account's role mappings: its landing zone's when they replace the platform's."""
    zone, platform = account.landing_zone, account.platform
    mappings = zone.role_mappings if zone.replaces_role_mappings else platform.role_mappings
    return list(mappings.all())


def group_name(account: ProjectAccount, project_role: str) -> str:
    """The Identity Store group of the account's project for `project_role`, from the pattern."""
    platform, project = account.platform, account.project
    context = patterns.NameContext(
        customer=project.customer.identifier, project=project.identifier,
        platform=platform.identifier, tenant_platform_number=account.tenant_platform_number,
    )  # fmt: skip
    return patterns.render_group_name(
        platform.identity_center_group_name_pattern, context, project_role
    )


def _sign_in_url(account: ProjectAccount, role_name: str) -> str | None:
    platform = account.platform
    if not platform.console_sign_in_url_template or not account.aws_account_id:
        return None
    return patterns.render_console_sign_in_url(
        platform.console_sign_in_url_template,
        account_id=account.aws_account_id,
        role_name=role_name,
        role_arn=role_arn(account.aws_account_id, role_name),
        provider_arn=provider_arn(account.aws_account_id, platform.identity_provider_name)
        if platform.identity_provider_name
        else "",
        alias=account.alias,
        platform=platform.identifier,
    )


def _saml_grant(account: ProjectAccount, mapping) -> Entitlement:
    platform, account_id = account.platform, account.aws_account_id
    return Entitlement(
        mode=AccessMode.SAML,
        project=account.project.full_identifier,
        platform=platform.full_identifier,
        account=account.pk,
        account_id=account_id,
        project_role=mapping.project_role,
        sign_in_url=_sign_in_url(account, mapping.role_name),
        role_name=mapping.role_name,
        role_arn=role_arn(account_id, mapping.role_name) if account_id else None,
        provider_arn=provider_arn(account_id, platform.identity_provider_name)
        if account_id
        else None,
    )


def _identity_center_grant(account: ProjectAccount, mapping) -> Entitlement:
    platform = account.platform
    return Entitlement(
        mode=AccessMode.IDENTITY_CENTER,
        project=account.project.full_identifier,
        platform=platform.full_identifier,
        account=account.pk,
        account_id=account.aws_account_id,
        project_role=mapping.project_role,
        sign_in_url=platform.identity_center_sign_in_url or None,
        group_name=group_name(account, mapping.project_role),
        permission_set_arns=tuple(mapping.permission_set_arns),
    )


def grants(account: ProjectAccount, project_role: str | None = None) -> list[Entitlement]:
    """What each mapped project role gives in `account` (only `project_role`'s when given).

    Nothing on a platform without single sign-on. A mapping of the other mode (left from a
    switch) gives nothing either.
    """
    mode = account.platform.access_mode
    found = []
    for mapping in effective_role_mappings(account):
        if project_role is not None and mapping.project_role != project_role:
            continue
        if mode == AccessMode.SAML and mapping.role_name:
            found.append(_saml_grant(account, mapping))
        elif mode == AccessMode.IDENTITY_CENTER and mapping.permission_set_arns:
            found.append(_identity_center_grant(account, mapping))
    return found


def _unexpired(bindings):
    return bindings.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))


def entitlements_for(user: str, mode: str | None = None) -> list[Entitlement]:
    """What `user`'s unexpired bindings give in live accounts (with an AWS account id) whose
    platform has single sign-on; only the platforms in `mode` when given."""
    accounts = (
        ProjectAccount.objects.filter(deleted_at__isnull=True, aws_account_id__isnull=False)
        .exclude(platform__identity_provider_name="", platform__identity_center_instance_arn="")
        .select_related("platform__location", "landing_zone")
        .prefetch_related("platform__role_mappings", "landing_zone__role_mappings")
        .order_by("platform__location__identifier", "platform__identifier")
    )
    bindings = (
        _unexpired(Binding.objects.filter(user=user))
        .select_related("project__customer", "role")
        .prefetch_related(Prefetch("project__accounts", queryset=accounts, to_attr="signable"))
        .order_by("project__customer__identifier", "project__identifier")
    )
    entitlements = []
    for binding in bindings:
        for account in binding.project.signable:
            if mode is not None and account.platform.access_mode != mode:
                continue
            entitlements += grants(account, binding.role.identifier)
    return entitlements


def account_access(account: ProjectAccount) -> AccountAccess:
    """Who has which access to `account`: each unexpired binding of its project, and what its
    project role gives there. Nobody has any on a deleted account or without single sign-on."""
    mode = account.platform.access_mode
    if mode == AccessMode.NONE or account.deleted_at is not None:
        return AccountAccess(mode=mode, mappings=(), people=())
    mappings = tuple(grants(account))
    by_role: dict[str, list[Entitlement]] = {}
    for grant in mappings:
        by_role.setdefault(grant.project_role, []).append(grant)
    bindings = (
        _unexpired(Binding.objects.filter(project_id=account.project_id))
        .select_related("role")
        .order_by("user")
    )
    people = tuple(
        Access(
            user=binding.user,
            project_role=binding.role.identifier,
            expires_at=binding.expires_at,
            grants=tuple(by_role.get(binding.role.identifier, ())),
        )
        for binding in bindings
    )
    return AccountAccess(mode=mode, mappings=mappings, people=people)


def sign_in_links(account: ProjectAccount) -> list[tuple[str, str]]:
    """(IAM role name, console sign-in URL) per SAML role mapping of the account, for its page.

    Empty when the platform has no sign-in URL template or the account no AWS account id yet.
    """
    return [
        (grant.role_name, grant.sign_in_url)
        for grant in grants(account)
        if grant.mode == AccessMode.SAML and grant.sign_in_url is not None
    ]
