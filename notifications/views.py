"""The notifications page of a platform: contacts, their forms, recent deliveries."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from platforms.models import PlatformInstance
from platforms.selectors import platform_by_full_identifier

from . import selectors, services
from .forms import ContactForm, add_service_errors, initial_of
from .models import NotificationContact
from .permissions import MANAGE_CONTACTS, VIEW_CONTACTS


def _platform_or_404(location: str, platform: str) -> PlatformInstance:
    found = platform_by_full_identifier(f"{platform}.{location}")
    if found is None:
        raise Http404(f"no platform {platform}.{location}")
    return found


def _contact_or_404(platform: PlatformInstance, contact_id) -> NotificationContact:
    try:
        return selectors.platform_contacts(platform).get(pk=int(contact_id))
    except (TypeError, ValueError, NotificationContact.DoesNotExist):
        raise Http404("no such contact on this platform") from None


def section_context(user, platform: PlatformInstance, form=None, editing=None) -> dict:
    """What the notifications section shows `user` about `platform`."""
    can_manage = user.has_perm(MANAGE_CONTACTS)
    return {
        "platform": platform,
        "contacts": list(selectors.platform_contacts(platform)),
        "deliveries": selectors.recent_deliveries(platform),
        "can_manage": can_manage,
        "form": (form or ContactForm()) if can_manage else None,
        "editing": editing,
    }


def _back(platform: PlatformInstance) -> str:
    return reverse(
        "platform-detail",
        kwargs={"location": platform.location.identifier, "platform": platform.identifier},
    )


@permission_required(VIEW_CONTACTS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def platform_notifications(request, location: str, platform: str):
    """A platform's contacts and deliveries; operators add one, or change `?edit=<id>`."""
    instance = _platform_or_404(location, platform)
    contact_id = request.POST.get("contact") or request.GET.get("edit")
    editing = _contact_or_404(instance, contact_id) if contact_id else None
    if request.method == "GET":
        form = ContactForm(initial=initial_of(editing)) if editing else None
        context = section_context(request.user, instance, form, editing)
        return render(request, "notifications/notificationcontact_list.html", context)
    if not request.user.has_perm(MANAGE_CONTACTS):
        raise PermissionDenied("only operators change a platform's contacts")
    form = ContactForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        values = {key: data[key] for key in ("address", "events", "daily_digest", "secret")}
        try:
            if editing is None:
                contact = services.contact_create(
                    platform=instance, kind=data["kind"], actor=request.user, **values
                )
            else:
                contact = services.contact_update(
                    contact=editing, kind=data["kind"], actor=request.user, **values
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            verb = "added" if editing is None else "saved"
            messages.success(request, f"Contact {contact} {verb}.")
            return redirect(_back(instance) + "#notifications")
    context = section_context(request.user, instance, form, editing)
    return render(request, "notifications/notificationcontact_list.html", context, status=400)


@permission_required(MANAGE_CONTACTS, raise_exception=True)
@require_POST
def contact_delete(request, location: str, platform: str):
    """Remove the contact posted as `contact`; what was sent to it stays listed."""
    instance = _platform_or_404(location, platform)
    contact = _contact_or_404(instance, request.POST.get("contact"))
    shown = str(contact)
    services.contact_delete(contact=contact, actor=request.user)
    messages.success(request, f"Contact {shown} removed.")
    return redirect(_back(instance) + "#notifications")


@permission_required(MANAGE_CONTACTS, raise_exception=True)
@require_POST
def contact_test(request, location: str, platform: str):
    """Send the contact posted as `contact` a test message; its delivery shows how it went."""
    instance = _platform_or_404(location, platform)
    contact = _contact_or_404(instance, request.POST.get("contact"))
    services.contact_test(contact=contact, actor=request.user)
    messages.success(
        request,
        f"Test message to {contact} queued: its delivery is listed under Recent deliveries.",
    )
    return redirect(_back(instance) + "#notifications")
