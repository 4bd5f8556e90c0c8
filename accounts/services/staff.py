"""Staff users (operators, support, auditors) and their API tokens.

No password or token key ever reaches an audit row or a log: the services return them to the
caller, who shows them once.
"""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import GROUP_OF_ROLE, OPERATOR, ROLE_OF_GROUP
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
    email: str = "",
    password: str | None = None,
    actor: AbstractBaseUser | None,
) -> tuple[AbstractBaseUser, str]:
    """Create a user holding one staff role; returns it and its (possibly generated) password.

    Raises ValidationError naming the field when the username, e-mail, role or password is
    refused.
    """
    _check_role(role)
    User = get_user_model()
    user = User(username=username, email=email)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        if any(e.code == "unique" for e in error.error_dict.get("username", [])):
            raise ValidationError({"username": f"user {username!r} already exists"}) from None
        raise
    password = _checked_password(password, user)
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=GROUP_OF_ROLE[role]))
    audit_event_create(
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.pk,
        object_repr=username,
        after={"username": username, "role": role, **({"email": email} if email else {})},
    )
    return user, password


def _check_role(role: str) -> None:
    if role not in GROUP_OF_ROLE:
        choices = ", ".join(GROUP_OF_ROLE)
        raise ValidationError({"role": f"unknown role {role!r}; choose one of {choices}"})


def _checked_password(password: str | None, user: AbstractBaseUser) -> str:
    """`password` once Django's password validators accept it, or a generated one for None."""
    if password is None:
        return generate_password()
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    return password


def _role_of(user: AbstractBaseUser) -> str | None:
    names = set(user.groups.values_list("name", flat=True))
    return next((role for group, role in ROLE_OF_GROUP.items() if group in names), None)


def _audit_user(user: AbstractBaseUser, actor, action: str, **fields) -> None:
    audit_event_create(
        actor=actor,
        action=action,
        object_type="user",
        object_id=user.pk,
        object_repr=user.get_username(),
        **fields,
    )


def _guard_last_operator(user: AbstractBaseUser, field: str, change: str) -> None:
    """Refuse a change that would leave no active operator: nobody could manage staff then.

    The operators group's row is locked first, so two operators demoting each other at once are
    serialised, and the second one counts after the first one's change and is refused.
    """
    Group.objects.select_for_update().get(name=GROUP_OF_ROLE[OPERATOR])
    operators = list(
        get_user_model()
        .objects.filter(groups__name=GROUP_OF_ROLE[OPERATOR], is_active=True)
        .values_list("pk", flat=True)
    )
    if operators == [user.pk]:
        raise ValidationError(
            {
                field: f"{user.get_username()} is the last active operator and cannot be "
                f"{change}; make another user an operator first"
            }
        )


@transaction.atomic
def staff_role_set(*, user: AbstractBaseUser, role: str, actor: AbstractBaseUser | None) -> None:
    """Give `user` the staff role `role` instead of the one it held."""
    _check_role(role)
    before = _role_of(user)
    if before == role:
        return
    if before == OPERATOR and user.is_active:
        _guard_last_operator(user, "role", f"made {role}")
    user.groups.remove(*Group.objects.filter(name__in=ROLE_OF_GROUP))
    user.groups.add(Group.objects.get(name=GROUP_OF_ROLE[role]))
    user._meshaws_staff_role = role  # the cached role (accounts.roles.staff_role) is stale
    _audit_user(user, actor, "user.role", before={"role": before}, after={"role": role})


@transaction.atomic
def staff_user_deactivate(
    *, user: AbstractBaseUser, actor: AbstractBaseUser | None, reason: str = ""
) -> None:
    """Stop `user` from signing in or using its API token; its history and token stay."""
    if not user.is_active:
        raise ValidationError({"is_active": f"{user.get_username()} is already inactive"})
    if _role_of(user) == OPERATOR:
        _guard_last_operator(user, "is_active", "deactivated")
    user.is_active = False
    user.save(update_fields=["is_active"])
    _audit_user(
        user, actor, "user.deactivate",
        before={"is_active": True}, after={"is_active": False}, remark=reason[:500],
    )  # fmt: skip


@transaction.atomic
def staff_user_reactivate(*, user: AbstractBaseUser, actor: AbstractBaseUser | None) -> None:
    """Let a deactivated user sign in and use its API token again."""
    if user.is_active:
        raise ValidationError({"is_active": f"{user.get_username()} is already active"})
    user.is_active = True
    user.save(update_fields=["is_active"])
    _audit_user(
        user, actor, "user.reactivate", before={"is_active": False}, after={"is_active": True}
    )


@transaction.atomic
def staff_password_set(
    *, user: AbstractBaseUser, password: str | None = None, actor: AbstractBaseUser | None
) -> str:
    """Set `user`'s password (validated) or a generated one, and return it for showing once.

    The user's other sessions end: Django ties each session to the password's hash.
    """
    how = "generated" if password is None else "typed"
    password = _checked_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    _audit_user(user, actor, "user.password_reset", remark=f"password reset ({how})")
    return password


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


@transaction.atomic
def api_token_revoke(*, user: AbstractBaseUser, actor: AbstractBaseUser | None) -> None:
    """Delete `user`'s API token: requests with it are refused from now on."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    if not deleted:
        raise ValidationError({"token": f"{user.get_username()} has no API token"})
    _audit_user(user, actor, "token.revoke", remark="API token revoked")
