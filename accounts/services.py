"""Every write of the accounts app, each in a transaction with its audit event."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from rest_framework.authtoken.models import Token

from audit.services import record
from platforms import patterns
from platforms.models import LandingZone, PlatformInstance

from .models import Binding, Customer, Project, ProjectAccount, ProjectRole
from .roles import GROUP_OF_ROLE


def generate_password() -> str:
    """A random password for a new user (~128 bits, URL-safe)."""
    return secrets.token_urlsafe(16)


@transaction.atomic
def staff_user_create(
    *,
    username: str,
    role: str,
    password: str | None = None,
    actor: AbstractBaseUser | None,
) -> tuple[AbstractBaseUser, str]:
    """Create a user holding one staff role; returns it and its (possibly generated) password.

    Raises ValidationError naming the field when the username, role or password is refused.
    """
    if role not in GROUP_OF_ROLE:
        choices = ", ".join(GROUP_OF_ROLE)
        raise ValidationError({"role": f"unknown role {role!r}; choose one of {choices}"})
    User = get_user_model()
    user = User(username=username)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        if any(e.code == "unique" for e in error.error_dict.get("username", [])):
            raise ValidationError({"username": f"user {username!r} already exists"}) from None
        raise
    if password is None:
        password = generate_password()
    else:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from None
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=GROUP_OF_ROLE[role]))
    record(
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.pk,
        object_repr=username,
        after={"username": username, "role": role},
    )
    return user, password


@transaction.atomic
def api_token_create(*, user: AbstractBaseUser, actor: AbstractBaseUser | None) -> str:
    """Give `user` a new API token (replacing any old one) and return its key."""
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    record(
        actor=actor,
        action="token.create",
        object_type="user",
        object_id=user.pk,
        object_repr=user.get_username(),
        remark="API token created; any earlier token of this user stopped working",
    )
    return token.key


# --- customers, projects, bindings -----------------------------------------------------------


def _field_error(field: str, error: ValidationError) -> ValidationError:
    return ValidationError({field: error.messages})


def _check(field: str, validator, *args, **kwargs) -> None:
    try:
        validator(*args, **kwargs)
    except ValidationError as error:
        raise _field_error(field, error) from None


def _display_name(value: str, fallback: str) -> str:
    value = (value or "").strip()
    if len(value) > 100:
        raise ValidationError({"display_name": "has more than 100 characters"})
    return value or fallback


@transaction.atomic
def customer_create(
    *, identifier: str, display_name: str = "", actor: AbstractBaseUser | None
) -> Customer:
    """Create a customer; its identifier follows behaviour.md §4 and never changes."""
    _check(
        "identifier", patterns.validate_identifier, identifier,
        max_length=patterns.MAX_CUSTOMER_IDENTIFIER_LENGTH, kind="customer identifier",
    )  # fmt: skip
    if Customer.objects.filter(identifier=identifier).exists():
        raise ValidationError({"identifier": f"customer {identifier!r} already exists"})
    customer = Customer.objects.create(
        identifier=identifier, display_name=_display_name(display_name, identifier)
    )
    record(
        actor=actor, action="customer.create", object_type="customer", object_id=customer.pk,
        object_repr=identifier, after=_customer_state(customer),
    )  # fmt: skip
    return customer


def _customer_state(customer: Customer) -> dict:
    return {"identifier": customer.identifier, "display_name": customer.display_name}


@transaction.atomic
def customer_update(
    *, customer: Customer, display_name: str, actor: AbstractBaseUser | None
) -> Customer:
    """Rename a customer (its identifier never changes)."""
    before = _customer_state(customer)
    customer.display_name = _display_name(display_name, customer.identifier)
    if _customer_state(customer) != before:
        customer.save(update_fields=["display_name"])
        record(
            actor=actor, action="customer.update", object_type="customer",
            object_id=customer.pk, object_repr=customer.identifier, before=before,
            after=_customer_state(customer),
        )  # fmt: skip
    return customer


def _project_state(project: Project) -> dict:
    return {
        "customer": project.customer.identifier,
        "identifier": project.identifier,
        "display_name": project.display_name,
        "tags": project.tags,
    }


@transaction.atomic
def project_create(
    *,
    customer: Customer,
    identifier: str,
    display_name: str = "",
    tags: dict[str, str] | None = None,
    actor: AbstractBaseUser | None,
) -> Project:
    """Create a project of `customer`; its identifier follows behaviour.md §4."""
    _check(
        "identifier", patterns.validate_identifier, identifier,
        max_length=patterns.MAX_PROJECT_IDENTIFIER_LENGTH, kind="project identifier",
    )  # fmt: skip
    tags = tags or {}
    _check("tags", patterns.validate_project_tags, tags)
    if Project.objects.filter(customer=customer, identifier=identifier).exists():
        raise ValidationError(
            {"identifier": f"customer {customer.identifier} already has project {identifier!r}"}
        )
    project = Project.objects.create(
        customer=customer, identifier=identifier,
        display_name=_display_name(display_name, identifier), tags=tags,
    )  # fmt: skip
    record(
        actor=actor, action="project.create", object_type="project", object_id=project.pk,
        object_repr=project.full_identifier, after=_project_state(project),
    )  # fmt: skip
    return project


@transaction.atomic
def project_update(
    *,
    project: Project,
    display_name: str | None = None,
    tags: dict[str, str] | None = None,
    actor: AbstractBaseUser | None,
) -> Project:
    """Change a project's display name or tags (its identifiers never change)."""
    before = _project_state(project)
    if display_name is not None:
        project.display_name = _display_name(display_name, project.identifier)
    if tags is not None:
        _check("tags", patterns.validate_project_tags, tags)
        project.tags = tags
    if _project_state(project) != before:
        project.save(update_fields=["display_name", "tags"])
        record(
            actor=actor, action="project.update", object_type="project", object_id=project.pk,
            object_repr=project.full_identifier, before=before, after=_project_state(project),
        )  # fmt: skip
    return project


@transaction.atomic
def project_role_create(
    *, identifier: str, display_name: str = "", rank: int = 100, actor: AbstractBaseUser | None
) -> ProjectRole:
    """Add a project role beside admin, user and reader."""
    _check(
        "identifier", patterns.validate_identifier, identifier, max_length=50, kind="project role"
    )
    if ProjectRole.objects.filter(identifier=identifier).exists():
        raise ValidationError({"identifier": f"project role {identifier!r} already exists"})
    role = ProjectRole.objects.create(
        identifier=identifier, display_name=_display_name(display_name, identifier), rank=rank
    )
    record(
        actor=actor, action="project_role.create", object_type="project_role",
        object_id=role.pk, object_repr=identifier,
        after={"identifier": identifier, "display_name": role.display_name, "rank": rank},
    )  # fmt: skip
    return role


def _binding_state(binding: Binding) -> dict:
    return {
        "project": binding.project.full_identifier,
        "user": binding.user,
        "role": binding.role.identifier,
        "expires_at": binding.expires_at.isoformat() if binding.expires_at else None,
    }


def _check_expiry(expires_at: datetime | None) -> None:
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "must be in the future"})


@transaction.atomic
def binding_create(
    *,
    project: Project,
    user: str,
    role: ProjectRole,
    expires_at: datetime | None = None,
    actor: AbstractBaseUser | None,
) -> Binding:
    """Bind a user to a project with a project role, optionally until `expires_at`."""
    user = (user or "").strip()
    _check("user", patterns.validate_external_user_id, user)
    _check_expiry(expires_at)
    if Binding.objects.filter(project=project, user=user).exists():
        raise ValidationError(
            {"user": f"{user} is already bound to {project.full_identifier}; change the role"}
        )
    binding = Binding.objects.create(project=project, user=user, role=role, expires_at=expires_at)
    record(
        actor=actor, action="binding.create", object_type="binding", object_id=binding.pk,
        object_repr=f"{user} on {project.full_identifier}", after=_binding_state(binding),
    )  # fmt: skip
    return binding


_UNCHANGED = object()


@transaction.atomic
def binding_update(
    *,
    binding: Binding,
    role: ProjectRole | None = None,
    expires_at: datetime | None | object = _UNCHANGED,
    actor: AbstractBaseUser | None,
) -> Binding:
    """Change a binding's role or expiry."""
    before = _binding_state(binding)
    if role is not None:
        binding.role = role
    if expires_at is not _UNCHANGED:
        _check_expiry(expires_at)
        binding.expires_at = expires_at
    if _binding_state(binding) != before:
        binding.save(update_fields=["role", "expires_at"])
        record(
            actor=actor, action="binding.update", object_type="binding", object_id=binding.pk,
            object_repr=f"{binding.user} on {binding.project.full_identifier}",
            before=before, after=_binding_state(binding),
        )  # fmt: skip
    return binding


@transaction.atomic
def binding_delete(*, binding: Binding, actor: AbstractBaseUser | None) -> None:
    """Remove a user from a project."""
    before = _binding_state(binding)
    pk = binding.pk
    binding.delete()
    record(
        actor=actor, action="binding.delete", object_type="binding", object_id=pk,
        object_repr=f"{before['user']} on {before['project']}", before=before,
    )  # fmt: skip


# --- project accounts ------------------------------------------------------------------------


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
    }


def _landing_zone_for(platform: PlatformInstance, identifier: str | None) -> LandingZone:
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
        _check("email", patterns.validate_account_email, names["email"])
    if platform.account_alias_pattern:
        names["alias"] = patterns.render_account_alias(platform.account_alias_pattern, context)
        _check("alias", patterns.validate_account_alias, names["alias"])
    return names


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
    # Serialises creations per platform: the tenant number and the uniqueness checks below
    # must not race with another request for the same platform.
    platform = PlatformInstance.objects.select_for_update().get(pk=platform.pk)
    if ProjectAccount.objects.filter(
        project=project, platform=platform, deleted_at__isnull=True
    ).exists():
        raise ValidationError(
            {"platform": f"{project.full_identifier} already has an account on "
             f"{platform.full_identifier}"}
        )  # fmt: skip
    zone = _landing_zone_for(platform, landing_zone)
    if aws_account_id:
        aws_account_id = str(aws_account_id).strip()
        _check("aws_account_id", patterns.validate_aws_account_id, aws_account_id)
        holder = ProjectAccount.objects.filter(aws_account_id=aws_account_id).first()
        if holder is not None:
            state = "a deleted project account" if holder.deleted_at else "project account"
            raise ValidationError(
                {"aws_account_id": f"AWS account {aws_account_id} was used by {state} "
                 f"{holder}; an AWS account belongs to one project account only"}
            )  # fmt: skip
    numbers = ProjectAccount.objects.filter(platform=platform)
    tenant_number = (
        numbers.aggregate(Max("tenant_platform_number"))["tenant_platform_number__max"] or 0
    ) + 1
    names = project_account_names(project, platform, tenant_number)
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
    record(
        actor=actor, action="project_account.create", object_type="project_account",
        object_id=account.pk, object_repr=str(account), after=_account_state(account),
        remark="adopting an existing AWS account" if aws_account_id else "",
    )  # fmt: skip
    return account
