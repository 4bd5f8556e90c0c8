"""Which existing accounts a platform change affects, and how: for the preview and the runs."""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.models import ProjectAccount
from accounts.selectors import project_accounts
from platforms import patterns
from platforms.config_io import KEYS_AFFECTING_EVERY_ACCOUNT, PlatformRecord
from platforms.models import PlatformInstance
from replication.left_behind import access_mode

SAMPLE_SIZE = 10
MODE_NAMES = {
    PlatformInstance.AccessMode.SAML: "SAML",
    PlatformInstance.AccessMode.IDENTITY_CENTER: "IAM Identity Center",
    PlatformInstance.AccessMode.NONE: "no single sign-on",
}


@dataclass(frozen=True)
class Change:
    """One account's before and after, for the preview's sample."""

    account: ProjectAccount
    what: str
    before: str
    after: str


@dataclass
class Impact:
    """The accounts a change affects, the names to re-render, and a sample for people."""

    accounts: dict[int, ProjectAccount] = field(default_factory=dict)
    new_names: dict[int, dict[str, str]] = field(default_factory=dict)
    sample: list[Change] = field(default_factory=list)
    reasons: set[str] = field(default_factory=set)

    def add(self, account: ProjectAccount, what: str, before: str = "", after: str = "") -> None:
        self.accounts.setdefault(account.pk, account)
        self.reasons.add(what)
        if len(self.sample) < SAMPLE_SIZE and (before or after):
            self.sample.append(Change(account, what, before, after))

    @property
    def count(self) -> int:
        return len(self.accounts)


def _context(account: ProjectAccount, platform_identifier: str) -> patterns.NameContext:
    return patterns.NameContext(
        customer=account.project.customer.identifier,
        project=account.project.identifier,
        platform=platform_identifier,
        tenant_platform_number=account.tenant_platform_number,
    )


def _mappings(mappings) -> str:
    """The mappings in a line: `admin→ProjectAdmin`, or `admin→ps-1 + ps-2` (permission sets)."""
    return ", ".join(f"{m.project_role}→{_mapped_to(m)}" for m in mappings) or "none"


def _mapped_to(mapping) -> str:
    """What a project role gets: the IAM role's name, or the ids of its permission sets."""
    if mapping.permission_set_arns:
        return " + ".join(arn.rsplit("/", 1)[-1] for arn in mapping.permission_set_arns)
    return mapping.role_name


def impact_of(platform, before: PlatformRecord, after: PlatformRecord) -> Impact:
    """What changing `platform` from `before` to `after` does to its existing accounts."""
    impact = Impact()
    accounts = list(project_accounts().filter(platform=platform))
    if not accounts:
        return impact
    old, new = before.as_dict(), after.as_dict()
    if any(old.get(key) != new.get(key) for key in KEYS_AFFECTING_EVERY_ACCOUNT):
        for account in accounts:
            impact.add(account, "platform settings")
    was, becomes = access_mode(before), access_mode(after)
    if was != becomes:
        # The old mode's groups, assignments or SAML roles stay in AWS (left_behind.py).
        for account in accounts:
            impact.add(
                account, f"single sign-on from {MODE_NAMES[was]} to {MODE_NAMES[becomes]}: "
                f"what {MODE_NAMES[was]} made stays in AWS, listed on each account page",
            )  # fmt: skip
    if before.account_alias_pattern != after.account_alias_pattern:
        for account in accounts:
            alias = ""
            if after.account_alias_pattern:
                alias = patterns.render_account_alias(
                    after.account_alias_pattern, _context(account, after.platform)
                )
            if alias != account.alias:
                impact.new_names.setdefault(account.pk, {})["alias"] = alias
                impact.add(account, "alias", account.alias, alias)
    if (
        before.account_email_template != after.account_email_template
        and after.account_email_template
    ):
        # AWS keeps an account's e-mail forever: only accounts not created yet change.
        for account in accounts:
            if account.aws_account_id or account.create_request_id:
                continue
            email = patterns.render_account_email(
                after.account_email_template, _context(account, after.platform)
            )
            if email != account.email:
                impact.new_names.setdefault(account.pk, {})["email"] = email
                impact.add(account, "e-mail", account.email, email)
    old_zones = {zone.identifier: zone for zone in before.landing_zones}
    new_zones = {zone.identifier: zone for zone in after.landing_zones}
    for account in accounts:
        zone_id = account.landing_zone.identifier
        was, now = old_zones.get(zone_id), new_zones.get(zone_id)
        if was is None or now is None:
            continue
        if was.target_organizational_unit != now.target_organizational_unit:
            impact.add(account, "organizational unit", was.target_organizational_unit,
                       now.target_organizational_unit)  # fmt: skip
        old_roles = was.role_mappings if was.role_mappings is not None else before.role_mappings
        new_roles = now.role_mappings if now.role_mappings is not None else after.role_mappings
        if old_roles != new_roles:
            impact.add(account, "role mappings", _mappings(old_roles), _mappings(new_roles))
        bootstrap = ("stack_set_name", "stack_set_region", "bootstrap_template")
        if any(getattr(was, name) != getattr(now, name) for name in bootstrap):
            impact.add(account, "bootstrap stack")
    return impact
