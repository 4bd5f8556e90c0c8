"""Sign-in for project users: the roles their bindings grant, and console sign-in links.

The identity provider asks meshaws which role ARN + SAML provider ARN pairs a user may assume
(behaviour.md §6) and puts them in the SAML assertion; the account page shows one console
sign-in link per role, built from the platform's `consoleSignInUrlTemplate`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q
from django.utils import timezone

from platforms import patterns

from .models import Binding, ProjectAccount


@dataclass(frozen=True)
class Entitlement:
    """One role a user may assume: in which account, through which SAML provider."""

    project: str  # customer.project
    platform: str  # platform.location
    account_id: str
    project_role: str
    role_name: str
    role_arn: str
    provider_arn: str
    sign_in_url: str | None


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


def _sign_in_url(account: ProjectAccount, role_name: str) -> str | None:
    platform = account.platform
    if not platform.console_sign_in_url_template:
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


def entitlements_for(user: str) -> list[Entitlement]:
    """The roles `user`'s unexpired bindings grant in live accounts whose platform has an IdP."""
    accounts = (
        ProjectAccount.objects.filter(deleted_at__isnull=True, aws_account_id__isnull=False)
        .exclude(platform__identity_provider_name="")
        .select_related("platform__location", "landing_zone")
        .prefetch_related("platform__role_mappings", "landing_zone__role_mappings")
        .order_by("platform__location__identifier", "platform__identifier")
    )
    bindings = (
        Binding.objects.filter(user=user)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .select_related("project__customer", "role")
        .prefetch_related(Prefetch("project__accounts", queryset=accounts, to_attr="signable"))
        .order_by("project__customer__identifier", "project__identifier")
    )
    entitlements = []
    for binding in bindings:
        project = binding.project
        for account in project.signable:
            for mapping in effective_role_mappings(account):
                if mapping.project_role != binding.role.identifier:
                    continue
                entitlements.append(
                    Entitlement(
                        project=project.full_identifier,
                        platform=account.platform.full_identifier,
                        account_id=account.aws_account_id,
                        project_role=mapping.project_role,
                        role_name=mapping.role_name,
                        role_arn=role_arn(account.aws_account_id, mapping.role_name),
                        provider_arn=provider_arn(
                            account.aws_account_id, account.platform.identity_provider_name
                        ),
                        sign_in_url=_sign_in_url(account, mapping.role_name),
                    )
                )
    return entitlements


def sign_in_links(account: ProjectAccount) -> list[tuple[str, str]]:
    """(IAM role name, console sign-in URL) per role mapping of the account, for its page.

    Empty when the platform has no sign-in URL template or the account no AWS account id yet.
    """
    if not account.platform.console_sign_in_url_template or not account.aws_account_id:
        return []
    links = []
    for mapping in effective_role_mappings(account):
        url = _sign_in_url(account, mapping.role_name)
        if url is not None:
            links.append((mapping.role_name, url))
    return links
