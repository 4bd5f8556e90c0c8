"""A person's page: their bindings and every account and role those give them."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts import permissions as account_permissions
from accounts.models import Binding
from accounts.signin import entitlements_for
from platforms import patterns


@permission_required(account_permissions.VIEW_BINDINGS, raise_exception=True)
@require_GET
def user_detail(request, user: str):
    """One user (a binding's external id): their bindings, and what they give in which account."""
    try:
        patterns.validate_external_user_id(user)
    except ValidationError as error:
        # Plain text: the id is the visitor's input.
        return HttpResponseBadRequest(
            f"{user!r} is not a user id a binding can have: {' '.join(error.messages)}",
            content_type="text/plain; charset=utf-8",
        )
    bindings = list(
        Binding.objects.filter(user=user)
        .select_related("project__customer", "role")
        .order_by("project__customer__identifier", "project__identifier")
    )
    if not bindings:
        raise Http404(f"no binding has the user {user!r}")
    now = timezone.now()
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": user,
            "bindings": [
                (binding, binding.expires_at is not None and binding.expires_at <= now)
                for binding in bindings
            ],
            "entitlements": entitlements_for(user),
        },
    )
