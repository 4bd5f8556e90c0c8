"""Staff users (operators, support, auditors) and their API tokens."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import GROUP_OF_ROLE
from audit.services import audit_event_create
from meshaws_site import tokens
from meshaws_site.models import ApiToken


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
    audit_event_create(
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
    """Give `user` a new API token (replacing any old one) and return its key, which only the
    caller ever sees: the database keeps its digest."""
    key = tokens.new_key()
    ApiToken.objects.update_or_create(
        user=user, defaults={"digest": tokens.digest_of(key), "created_at": timezone.now()}
    )
    audit_event_create(
        actor=actor,
        action="token.create",
        object_type="user",
        object_id=user.pk,
        object_repr=user.get_username(),
        remark="API token created; any earlier token of this user stopped working",
    )
    return key
