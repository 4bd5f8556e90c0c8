"""The contact form: it only parses input; services.py validates it, and its errors come back
onto these fields."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from .models import Event, NotificationContact
from .services import CHOOSABLE_EVENTS


class ContactForm(forms.Form):
    kind = forms.ChoiceField(choices=NotificationContact.Kind.choices)
    address = forms.CharField(
        label="E-mail address or webhook URL",
        help_text="a webhook receives a JSON POST with a Slack-compatible `text`",
    )
    events = forms.MultipleChoiceField(
        choices=[(event, Event(event).label) for event in CHOOSABLE_EVENTS],
        required=False, widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    daily_digest = forms.BooleanField(required=False, label="Daily digest")
    secret = forms.CharField(
        label="Signing secret", required=False, strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="webhooks only: X-Meshaws-Signature is sha256=HMAC-SHA256 of the body under "
        "it; 16 to 256 characters; empty keeps the stored one",
    )  # fmt: skip


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (unknown fields: the form)."""
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


def initial_of(contact: NotificationContact) -> dict:
    """The form's values for editing `contact` (never its secret)."""
    return {
        "kind": contact.kind,
        "address": contact.address,
        "events": list(contact.events),
        "daily_digest": contact.daily_digest,
    }
