"""Project accounts: enabling a project on a platform, with the names it gets there."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from accounts import signals
from accounts.models import Project, ProjectAccount
from audit.services import audit_event_create
from platforms import patterns
from platforms.models import LandingZone, PlatformInstance
from platforms.organizations import lock_organization_platforms

from .projects import check_field


def _account_state(account: ProjectAccount) -> dict:
    return {
        "project": account.project.full_identifier,
        "platform": account.platform.full_identifier,
        "landing_zone": account.landing_zone.identifier,
        "email": account.email,
        "name": account.name,
        "alias": account.alias,
        "tenant_platform_number": account.tenant_platform_number,
        "aws_account_id": account.aws_account_id,
        "status": account.status,
        "lifecycle": account.lifecycle,
    }


def landing_zone_for(platform: PlatformInstance, identifier: str | None) -> LandingZone:
    """The zone named `identifier` (empty: the first enabled one); ValidationError on it."""
    zones = list(platform.landing_zones.order_by("position"))
    if identifier:
        zone = next((zone for zone in zones if zone.identifier == identifier), None)
        if zone is None:
            known = ", ".join(z.identifier for z in zones) or "none"
            raise ValidationError(
                {"landing_zone": f"{platform.full_identifier} has no landing zone "
                 f"{identifier!r} (it has: {known})"}
            )  # fmt: skip
        if zone.disabled:
            raise ValidationError({"landing_zone": f"landing zone {identifier!r} is disabled"})
        return zone
    zone = next((zone for zone in zones if not zone.disabled), None)
    if zone is None:
        raise ValidationError(
            {"landing_zone": f"{platform.full_identifier} has no enabled landing zone"}
        )
    return zone


def project_account_names(
    project: Project, platform: PlatformInstance, tenant_platform_number: int
) -> dict[str, str]:
    """The e-mail, name and alias the account would get; ValidationError names the rule broken."""
    customer = project.customer.identifier
    limits = (
        ("customer", customer, platform.customer_identifier_length),
        ("project", project.identifier, platform.project_identifier_length),
    )
    for kind, identifier, limit in limits:
        if len(identifier) > limit:
            raise ValidationError(
                {"project": f"the {kind} identifier {identifier!r} has {len(identifier)} "
                 f"characters; platform {platform.full_identifier} allows {limit}"}
            )  # fmt: skip
    context = patterns.NameContext(
        customer=customer, project=project.identifier, platform=platform.identifier,
        tenant_platform_number=tenant_platform_number,
    )  # fmt: skip
    names = {"name": patterns.render_account_name(context), "email": "", "alias": ""}
    if platform.provisioning == PlatformInstance.Provisioning.MESH:
        names["email"] = patterns.render_account_email(platform.account_email_template, context)
        check_field("email", patterns.validate_account_email, names["email"])
    if platform.account_alias_pattern:
        names["alias"] = patterns.render_account_alias(platform.account_alias_pattern, context)
        check_field("alias", patterns.validate_account_alias, names["alias"])
    return names


def _check_name_free_in_organization(name: str, organization: list[PlatformInstance]) -> None:
    """A name meshaws creates an account with is unique in its AWS organization.

    meshaws finds a creation it started, and lost track of, by the account's name: two
    accounts with one name would take each other's creation.
    """
    holder = (
        ProjectAccount.objects.filter(platform__in=organization, name=name, deleted_at__isnull=True)
        .select_related("project__customer", "platform__location")
        .first()
    )
    if holder is None:
        return
    known = [member.known_organization_id for member in organization]
    where = next((f" {org}" for org in known if org), " (the same management role)")
    raise ValidationError(
        {"platform": f"project account {holder} already has the account name {name} in AWS "
         f"organization{where}; an account name is used once per organization, so enable the "
         "project on one platform of this organization only"}
    )  # fmt: skip


@transaction.atomic
def project_account_create(
    *,
    project: Project,
    platform: PlatformInstance,
    landing_zone: str | None = None,
    aws_account_id: str | None = None,
    actor: AbstractBaseUser | None,
) -> ProjectAccount:
    """Enable `project` on `platform`: its one AWS account there, new or adopted by id."""
    # Serialises creations per organization: the tenant number and the uniqueness checks
    # below must not race with another request for a platform of the same organization.
    organization = lock_organization_platforms(platform)
    platform = PlatformInstance.objects.get(pk=platform.pk)  # locked with its organization
    if platform.is_deprecated:
        raise ValidationError(
            {"platform": f"platform {platform.full_identifier} is deprecated: it accepts no "
             "new accounts"}
        )  # fmt: skip
    if ProjectAccount.objects.filter(
        project=project, platform=platform, deleted_at__isnull=True
    ).exists():
        raise ValidationError(
            {"platform": f"{project.full_identifier} already has an account on "
             f"{platform.full_identifier}"}
        )  # fmt: skip
    zone = landing_zone_for(platform, landing_zone)
    if aws_account_id:
        aws_account_id = str(aws_account_id).strip()
        check_field("aws_account_id", patterns.validate_aws_account_id, aws_account_id)
        holder = ProjectAccount.objects.filter(
            aws_account_id=aws_account_id, released_at__isnull=True
        ).first()
        if holder is not None and holder.deleted_at:
            raise ValidationError(
                {"aws_account_id": f"AWS account {aws_account_id} was used by the deleted "
                 f"project account {holder}; an operator must release the id before it can "
                 "be adopted again"}
            )  # fmt: skip
        if holder is not None:
            raise ValidationError(
                {"aws_account_id": f"AWS account {aws_account_id} is managed by project "
                 f"account {holder}; an AWS account belongs to one project account only"}
            )  # fmt: skip
    numbers = ProjectAccount.objects.filter(platform=platform)
    tenant_number = (
        numbers.aggregate(Max("tenant_platform_number"))["tenant_platform_number__max"] or 0
    ) + 1
    names = project_account_names(project, platform, tenant_number)
    if not aws_account_id and platform.provisioning == PlatformInstance.Provisioning.MESH:
        _check_name_free_in_organization(names["name"], organization)
    if names["email"] and ProjectAccount.objects.filter(email=names["email"]).exists():
        raise ValidationError(
            {"email": f"{names['email']} was already used for an AWS account; AWS never "
             "reuses an account's e-mail address"}
        )  # fmt: skip
    if (
        names["alias"]
        and ProjectAccount.objects.filter(alias=names["alias"], deleted_at__isnull=True).exists()
    ):
        raise ValidationError({"alias": f"alias {names['alias']} is used by another account"})
    account = ProjectAccount.objects.create(
        project=project, platform=platform, landing_zone=zone,
        tenant_platform_number=tenant_number, aws_account_id=aws_account_id or None, **names,
    )  # fmt: skip
    event = audit_event_create(
        actor=actor,
        action="project_account.create",
        object_type="project_account",
        object_id=account.pk,
        object_repr=str(account),
        after=_account_state(account),
        remark="adopting an existing AWS account" if aws_account_id else "",
    )
    signals.replicate([account], signals.ACCOUNT_CREATED, cause=event)
    return account
