"""Every write of the notifications app: contacts (each audited), and the deliveries queued
when an event happens."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone

from audit.services import audit_event_create
from platforms import secrets
from platforms.models import PlatformInstance

from . import jobs
from .messages import Message, test_message
from .models import Event, NotificationContact, NotificationDelivery

Kind = NotificationContact.Kind
# The events a contact chooses among (the digest is its own switch; tests are asked for).
CHOOSABLE_EVENTS = [
    event for event in Event.values if event not in (Event.DAILY_DIGEST, Event.TEST)
]
MAX_ADDRESS_LENGTH = 2048
MIN_SECRET_LENGTH, MAX_SECRET_LENGTH = 16, 256


def _check_address(kind: str, address, errors: dict[str, str]) -> str:
    if not isinstance(address, str) or not address.strip():
        errors["address"] = "is required: an e-mail address or a webhook URL"
        return ""
    address = address.strip()
    if len(address) > MAX_ADDRESS_LENGTH:
        errors["address"] = f"has {len(address)} characters; at most {MAX_ADDRESS_LENGTH}"
    elif kind == Kind.EMAIL:
        try:
            validate_email(address)
        except ValidationError:
            errors["address"] = f"{address!r} is not an e-mail address, e.g. ops@example.com"
    elif kind == Kind.WEBHOOK:
        try:
            URLValidator(schemes=["http", "https"])(address)
        except ValidationError:
            errors["address"] = "is not a webhook URL: give an http:// or https:// URL"
    return address


def _check_events(events, daily_digest: bool, errors: dict[str, str]) -> list[str]:
    if not isinstance(events, list | tuple) or not all(isinstance(e, str) for e in events):
        errors["events"] = "give a list of events"
        return []
    unknown = sorted(set(events) - set(CHOOSABLE_EVENTS))
    if unknown:
        errors["events"] = (
            f"unknown event(s) {', '.join(unknown)}; choose from {', '.join(CHOOSABLE_EVENTS)}"
        )
    elif not events and not daily_digest:
        errors["events"] = "choose at least one event, or the daily digest"
    return [event for event in CHOOSABLE_EVENTS if event in events]


def _check_secret(kind: str, secret, *, needed: str, errors: dict[str, str]) -> str:
    """The new signing secret, "" to keep the stored one; `needed` says why one must be given."""
    problem = ""
    if secret is None or secret == "":
        problem = needed if kind == Kind.WEBHOOK else ""
        secret = ""
    elif kind != Kind.WEBHOOK:
        problem = "only webhooks are signed: leave it empty for an e-mail address"
    elif not isinstance(secret, str) or not MIN_SECRET_LENGTH <= len(secret) <= MAX_SECRET_LENGTH:
        problem = (
            f"give {MIN_SECRET_LENGTH} to {MAX_SECRET_LENGTH} characters, the key the receiver "
            "checks X-Meshaws-Signature with"
        )
    elif any(char.isspace() or ord(char) < 32 for char in secret):
        problem = "must not contain spaces or control characters"
    if problem:
        errors["secret"] = problem
    return secret if isinstance(secret, str) else ""


def _check_unique(platform, kind: str, address: str, contact, errors: dict[str, str]) -> None:
    if "address" in errors or not address:
        return
    others = NotificationContact.objects.filter(platform=platform, kind=kind, address=address)
    if contact is not None:
        others = others.exclude(pk=contact.pk)
    if others.exists():
        errors["address"] = f"{platform.full_identifier} already has this contact"


def _summary(contact: NotificationContact) -> dict[str, Any]:
    """What the audit log keeps of a contact: no webhook path (it may hold a token), no secret."""
    return {
        "platform": contact.platform.full_identifier,
        "kind": contact.kind,
        "address": contact.shown_address,
        "events": list(contact.events),
        "dailyDigest": contact.daily_digest,
        "secret": contact.secret_fingerprint or None,
    }


def _audit(contact: NotificationContact, verb: str, actor, before=None, after=None) -> None:
    audit_event_create(
        actor=actor, action=f"notification_contact.{verb}", object_type="notification_contact",
        object_id=contact.pk, object_repr=f"{contact.platform.full_identifier}: {contact}",
        before=before, after=after,
    )  # fmt: skip


def _set_secret(contact: NotificationContact, secret: str) -> None:
    if secret:
        contact.secret_ciphertext = secrets.encrypt(secret)
        contact.secret_fingerprint = secrets.fingerprint(secret)
    elif contact.kind != Kind.WEBHOOK:
        contact.secret_ciphertext = contact.secret_fingerprint = ""


@transaction.atomic
def contact_create(
    *,
    platform: PlatformInstance,
    kind: str,
    address: str,
    events: list[str],
    daily_digest: bool = False,
    secret: str | None = None,
    actor: AbstractBaseUser | None,
) -> NotificationContact:
    """Add a contact to `platform`; ValidationError names each refused field at once."""
    errors: dict[str, str] = {}
    if kind not in Kind.values:
        errors["kind"] = f"{kind!r} is not a kind of contact; choose email or webhook"
    address = _check_address(kind, address, errors)
    events = _check_events(events, bool(daily_digest), errors)
    needed = "is required for a webhook: the key that signs each message"
    secret = _check_secret(kind, secret, needed=needed, errors=errors)
    _check_unique(platform, kind, address, None, errors)
    if errors:
        raise ValidationError(errors)
    contact = NotificationContact(
        platform=platform, kind=kind, address=address, events=events,
        daily_digest=bool(daily_digest),
    )  # fmt: skip
    _set_secret(contact, secret)
    contact.save()
    _audit(contact, "create", actor, after=_summary(contact))
    return contact


@transaction.atomic
def contact_update(
    *,
    contact: NotificationContact,
    actor: AbstractBaseUser | None,
    kind: str | None = None,
    address: str | None = None,
    events: list[str] | None = None,
    daily_digest: bool | None = None,
    secret: str | None = None,
) -> NotificationContact:
    """Change a contact (None: keep a value; a webhook's new URL needs its secret again)."""
    contact = NotificationContact.objects.select_for_update().get(pk=contact.pk)
    errors: dict[str, str] = {}
    if kind is not None and kind != contact.kind:
        errors["kind"] = "a contact's kind never changes: add a new contact instead"
    address = contact.address if address is None else _check_address(contact.kind, address, errors)
    daily_digest = contact.daily_digest if daily_digest is None else bool(daily_digest)
    events = contact.events if events is None else _check_events(events, daily_digest, errors)
    if not events and not daily_digest and "events" not in errors:
        errors["events"] = "choose at least one event, or the daily digest"
    # A secret follows its destination: a new URL must not receive the old URL's key.
    moved = address != contact.address
    needed = "the webhook URL changed: give its signing secret again" if moved else ""
    secret = _check_secret(contact.kind, secret, needed=needed, errors=errors)
    _check_unique(contact.platform, contact.kind, address, contact, errors)
    if errors:
        raise ValidationError(errors)
    before = _summary(contact)
    contact.address, contact.events, contact.daily_digest = address, events, daily_digest
    _set_secret(contact, secret)
    after = _summary(contact)
    if after == before:  # the same secret again has the same fingerprint
        return contact
    contact.updated_at = timezone.now()
    contact.save()
    _audit(contact, "update", actor, before=before, after=after)
    return contact


@transaction.atomic
def contact_delete(*, contact: NotificationContact, actor: AbstractBaseUser | None) -> None:
    """Remove a contact; its deliveries stay in the history, named by their recipient."""
    _audit(contact, "delete", actor, before=_summary(contact))
    contact.delete()


def _wants(contact: NotificationContact, event: str) -> bool:
    if event == Event.DAILY_DIGEST:
        return contact.daily_digest
    return event in contact.events


def _delivery(contact: NotificationContact, message: Message) -> NotificationDelivery:
    """Record `message` for `contact` and queue its sending once the transaction commits."""
    delivery = NotificationDelivery.objects.create(
        platform=contact.platform,
        contact=contact,
        recipient=str(contact),
        event=message.event,
        subject=message.subject[:200],
        text=message.text,
        fields=message.fields,
    )
    transaction.on_commit(partial(jobs.enqueue, delivery.pk))
    return delivery


@transaction.atomic
def notify(*, platform: PlatformInstance, message: Message) -> list[NotificationDelivery]:
    """Record a delivery of `message` to each contact of `platform` that asked for its event,
    and queue each one's sending once the transaction commits."""
    return [
        _delivery(contact, message)
        for contact in platform.notification_contacts.order_by("pk")
        if _wants(contact, message.event)
    ]


@transaction.atomic
def contact_test(
    *, contact: NotificationContact, actor: AbstractBaseUser | None
) -> NotificationDelivery:
    """Send one contact a test message, whatever events it chose; audited, and recorded as
    any delivery is (its status shows whether the contact works)."""
    requested_by = actor.get_username() if actor is not None else "system"
    delivery = _delivery(contact, test_message(contact.platform, requested_by))
    _audit(contact, "test", actor, after={**_summary(contact), "delivery": str(delivery.pk)})
    return delivery
