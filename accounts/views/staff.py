"""The Staff pages: operators create staff users, set roles, reset passwords, issue tokens.

A password or token is shown once, on a page that is never cached, and never put into a
message (messages live in the session or a cookie).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import add_service_errors
from accounts.roles import MANAGE_STAFF, OPERATOR, ROLE_OF_GROUP, staff_role
from accounts.services import staff as services
from accounts.staff_forms import (
    StaffDeactivateForm,
    StaffPasswordForm,
    StaffRoleForm,
    StaffUserForm,
)
from meshaws_site.models import ApiToken

operators_only = permission_required(MANAGE_STAFF, raise_exception=True)


def _role_of(user) -> str | None:
    """The staff role, from groups prefetched with the user (no query per row)."""
    return next(
        (ROLE_OF_GROUP[group.name] for group in user.groups.all() if group.name in ROLE_OF_GROUP),
        None,
    )


def _user_or_404(staff_user: int):
    return get_object_or_404(get_user_model(), pk=staff_user)


@operators_only
def staff_list(request):
    """Every user who may sign in: role, active or not, last sign-in, API tokens."""
    users = (
        get_user_model()
        .objects.annotate(tokens=Count("api_token"))
        .prefetch_related("groups")
        .order_by("username")
    )
    return render(
        request, "accounts/staff_list.html", {"rows": [(user, _role_of(user)) for user in users]}
    )


def _secret_page(request, subject, kind: str, value: str):
    """The page that shows a new password or token key, once: never cached."""
    response = render(
        request, "accounts/staff_secret.html", {"subject": subject, "kind": kind, "value": value}
    )
    add_never_cache_headers(response)
    return response


@operators_only
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def staff_create(request):
    """Create a staff user with a role and a typed or generated password."""
    form = StaffUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, password = services.staff_user_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if form.cleaned_data["password"] is None:
                return _secret_page(request, user, "password", password)
            messages.success(request, f"Staff user {user.get_username()} created.")
            return redirect("staff-detail", staff_user=user.pk)
    return render(
        request, "accounts/staff_form.html", {"form": form}, status=400 if form.errors else 200
    )


def _detail_page(request, subject, *, role_form=None, password_form=None, status=200):
    role = staff_role(subject)
    return render(
        request,
        "accounts/staff_detail.html",
        {
            "subject": subject,
            "role": role,
            "token": ApiToken.objects.filter(user=subject).first(),
            "role_form": role_form or StaffRoleForm(initial={"role": role}),
            "password_form": password_form or StaffPasswordForm(),
        },
        status=status,
    )


@operators_only
def staff_detail(request, staff_user: int):
    """One staff user, with the forms to change its role, password, activity and token."""
    return _detail_page(request, _user_or_404(staff_user))


@operators_only
@require_POST
def staff_role_change(request, staff_user: int):
    """Give the user another staff role."""
    subject = _user_or_404(staff_user)
    form = StaffRoleForm(request.POST)
    if form.is_valid():
        try:
            services.staff_role_set(user=subject, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
    if form.errors:
        return _detail_page(request, subject, role_form=form, status=400)
    messages.success(request, f"{subject.get_username()} is now {form.cleaned_data['role']}.")
    if subject.pk == request.user.pk and form.cleaned_data["role"] != OPERATOR:
        return redirect("dashboard")
    return redirect("staff-detail", staff_user=subject.pk)


@operators_only
@sensitive_post_parameters("password")
@require_POST
def staff_password(request, staff_user: int):
    """Set a typed or generated password for the user."""
    subject = _user_or_404(staff_user)
    form = StaffPasswordForm(request.POST)
    if form.is_valid():
        try:
            password = services.staff_password_set(
                user=subject, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
    if form.errors:
        return _detail_page(request, subject, password_form=form, status=400)
    if subject.pk == request.user.pk:
        # The new hash would otherwise end the operator's own session.
        update_session_auth_hash(request, subject)
    if form.cleaned_data["password"] is None:
        return _secret_page(request, subject, "password", password)
    messages.success(request, f"Password of {subject.get_username()} reset.")
    return redirect("staff-detail", staff_user=subject.pk)


@operators_only
@require_http_methods(["GET", "POST"])
def staff_deactivate(request, staff_user: int):
    """Confirm, then stop the user from signing in or using its API token."""
    subject = _user_or_404(staff_user)
    form = StaffDeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_user_deactivate(
                user=subject, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{subject.get_username()} deactivated.")
            if subject.pk == request.user.pk:
                return redirect("login")
            return redirect("staff-detail", staff_user=subject.pk)
    return render(
        request, "accounts/staff_confirm_deactivate.html", {"subject": subject, "form": form},
        status=400 if form.errors else 200,
    )  # fmt: skip


@operators_only
@require_POST
def staff_reactivate(request, staff_user: int):
    """Let a deactivated user sign in again."""
    subject = _user_or_404(staff_user)
    try:
        services.staff_user_reactivate(user=subject, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{subject.get_username()} reactivated.")
    return redirect("staff-detail", staff_user=subject.pk)


@operators_only
@require_POST
def staff_token(request, staff_user: int):
    """Issue an API token for the user (replacing its old one) and show it once."""
    subject = _user_or_404(staff_user)
    key = services.api_token_create(user=subject, actor=request.user)
    return _secret_page(request, subject, "API token", key)


@operators_only
@require_http_methods(["GET", "POST"])
def staff_token_revoke(request, staff_user: int):
    """Confirm, then delete the user's API token."""
    subject = _user_or_404(staff_user)
    error = None
    if request.method == "POST":
        try:
            services.api_token_revoke(user=subject, actor=request.user)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(request, f"API token of {subject.get_username()} revoked.")
            return redirect("staff-detail", staff_user=subject.pk)
    return render(
        request, "accounts/staff_confirm_revoke.html",
        {"subject": subject, "token": ApiToken.objects.filter(user=subject).first(),
         "error": error},
        status=400 if error else 200,
    )  # fmt: skip
