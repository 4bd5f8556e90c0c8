"""Customers, projects, project roles and bindings."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import signals
from accounts.models import Binding, Customer, Project, ProjectRole
from audit.services import audit_event_create
from platforms import patterns


def _field_error(field: str, error: ValidationError) -> ValidationError:
    return ValidationError({field: error.messages})


def _replicate_project(project: Project, reason: str, cause=None) -> None:
    """Each of the project's live accounts must reach AWS again (bindings and tags), the runs
    caused by the change's audit event `cause`."""
    signals.replicate(project.accounts.filter(deleted_at__isnull=True), reason, cause=cause)


def check_field(field: str, validator, *args, **kwargs) -> None:
    """Run a patterns validator; its error is reported on `field`."""
    try:
        validator(*args, **kwargs)
    except ValidationError as error:
        raise _field_error(field, error) from None


def _display_name(value: str, fallback: str) -> str:
    value = (value or "").strip()
    if len(value) > 100:
        raise ValidationError({"display_name": "has more than 100 characters"})
    check_field("display_name", patterns.validate_display_name, value)
    return value or fallback


@transaction.atomic
def customer_create(
    *, identifier: str, display_name: str = "", actor: AbstractBaseUser | None
) -> Customer:
    """Create a customer; its identifier follows behaviour.md §4 and never changes."""
    check_field(
        "identifier", patterns.validate_identifier, identifier,
        max_length=patterns.MAX_CUSTOMER_IDENTIFIER_LENGTH, kind="customer identifier",
    )  # fmt: skip
    if Customer.objects.filter(identifier=identifier).exists():
        raise ValidationError({"identifier": f"customer {identifier!r} already exists"})
    customer = Customer.objects.create(
        identifier=identifier, display_name=_display_name(display_name, identifier)
    )
    audit_event_create(
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
        audit_event_create(
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
    check_field(
        "identifier", patterns.validate_identifier, identifier,
        max_length=patterns.MAX_PROJECT_IDENTIFIER_LENGTH, kind="project identifier",
    )  # fmt: skip
    tags = tags or {}
    check_field("tags", patterns.validate_project_tags, tags)
    if Project.objects.filter(customer=customer, identifier=identifier).exists():
        raise ValidationError(
            {"identifier": f"customer {customer.identifier} already has project {identifier!r}"}
        )
    project = Project.objects.create(
        customer=customer, identifier=identifier,
        display_name=_display_name(display_name, identifier), tags=tags,
    )  # fmt: skip
    audit_event_create(
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
        check_field("tags", patterns.validate_project_tags, tags)
        project.tags = tags
    if _project_state(project) != before:
        project.save(update_fields=["display_name", "tags"])
        event = audit_event_create(
            actor=actor, action="project.update", object_type="project", object_id=project.pk,
            object_repr=project.full_identifier, before=before, after=_project_state(project),
        )  # fmt: skip
        if project.tags != before["tags"]:
            _replicate_project(project, signals.PROJECT_CHANGED, cause=event)
    return project


@transaction.atomic
def project_role_create(
    *, identifier: str, display_name: str = "", rank: int = 100, actor: AbstractBaseUser | None
) -> ProjectRole:
    """Add a project role beside admin, user and reader."""
    check_field(
        "identifier", patterns.validate_identifier, identifier, max_length=50, kind="project role"
    )
    if ProjectRole.objects.filter(identifier=identifier).exists():
        raise ValidationError({"identifier": f"project role {identifier!r} already exists"})
    role = ProjectRole.objects.create(
        identifier=identifier, display_name=_display_name(display_name, identifier), rank=rank
    )
    audit_event_create(
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
    check_field("user", patterns.validate_external_user_id, user)
    _check_expiry(expires_at)
    if Binding.objects.filter(project=project, user=user).exists():
        raise ValidationError(
            {"user": f"{user} is already bound to {project.full_identifier}; change the role"}
        )
    binding = Binding.objects.create(project=project, user=user, role=role, expires_at=expires_at)
    event = audit_event_create(
        actor=actor, action="binding.create", object_type="binding", object_id=binding.pk,
        object_repr=f"{user} on {project.full_identifier}", after=_binding_state(binding),
    )  # fmt: skip
    _replicate_project(project, signals.BINDINGS_CHANGED, cause=event)
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
        event = audit_event_create(
            actor=actor, action="binding.update", object_type="binding", object_id=binding.pk,
            object_repr=f"{binding.user} on {binding.project.full_identifier}",
            before=before, after=_binding_state(binding),
        )  # fmt: skip
        _replicate_project(binding.project, signals.BINDINGS_CHANGED, cause=event)
    return binding


@transaction.atomic
def binding_delete(*, binding: Binding, actor: AbstractBaseUser | None) -> None:
    """Remove a user from a project."""
    before = _binding_state(binding)
    pk = binding.pk
    binding.delete()
    event = audit_event_create(
        actor=actor, action="binding.delete", object_type="binding", object_id=pk,
        object_repr=f"{before['user']} on {before['project']}", before=before,
    )  # fmt: skip
    _replicate_project(binding.project, signals.BINDINGS_CHANGED, cause=event)
