"""Sending one delivery: an e-mail through Django's backend, or a signed JSON POST.

A webhook's body is `{"text": …, …fields}`; `X-Meshaws-Signature: sha256=<hex>` is the
HMAC-SHA256 of the exact body bytes under the contact's secret, which the receiver recomputes.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import smtplib
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F
from django.utils import timezone

from platforms import secrets

from .models import NotificationContact, NotificationDelivery, webhook_host

SIGNATURE_HEADER = "X-Meshaws-Signature"
Status = NotificationDelivery.Status


class SendFailed(Exception):
    """An attempt that did not reach its contact; the message says why, without a secret."""

    def __init__(self, message: str, *, retry: bool = True):
        super().__init__(message)
        self.retry = retry


def max_attempts() -> int:
    """The first attempt and one per retry interval."""
    return len(settings.MESHAWS_NOTIFICATION_RETRY_SECONDS) + 1


def webhook_body(delivery: NotificationDelivery) -> bytes:
    """The JSON a webhook receives: Slack's `text`, the structured fields, the delivery id."""
    body = {"text": delivery.text, **delivery.fields, "delivery": str(delivery.pk)}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def signature(body: bytes, secret: str) -> str:
    """The X-Meshaws-Signature value of `body` under `secret`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would re-send the body elsewhere (or drop it): an answer, not a delivery.
    def redirect_request(self, *args, **kwargs):
        return None


def _send_webhook(delivery: NotificationDelivery, contact: NotificationContact) -> None:
    host = webhook_host(contact.address)
    try:
        secret = secrets.decrypt(contact.secret_ciphertext) if contact.secret_ciphertext else ""
    except secrets.SecretUnreadable:
        raise SendFailed(
            "the signing secret cannot be decrypted: set it again", retry=False
        ) from None
    if not secret:
        raise SendFailed("the webhook has no signing secret: set one", retry=False)
    body = webhook_body(delivery)
    request = urllib.request.Request(  # noqa: S310 (the service accepted http(s) URLs only)
        contact.address, data=body, method="POST",
        headers={
            "Content-Type": "application/json", "User-Agent": "meshaws-notifications",
            SIGNATURE_HEADER: signature(body, secret), "X-Meshaws-Event": delivery.event,
            "X-Meshaws-Delivery": str(delivery.pk),
        },
    )  # fmt: skip
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=settings.MESHAWS_WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read(1024)
    except urllib.error.HTTPError as error:
        raise SendFailed(f"{host} answered HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        reason = getattr(error, "reason", None) or error
        raise SendFailed(f"{host} could not be reached: {reason}") from None


def _send_email(delivery: NotificationDelivery, contact: NotificationContact) -> None:
    message = EmailMessage(
        subject=f"[meshaws] {delivery.subject}", body=delivery.text, to=[contact.address],
        headers={"X-Meshaws-Event": delivery.event, "X-Meshaws-Delivery": str(delivery.pk)},
    )  # fmt: skip
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        raise SendFailed(f"the mail server did not take it: {error}") from None


def _scrubbed(text: str, contact: NotificationContact | None) -> str:
    """`text` without the webhook's URL path or secret (errors should not carry them; be sure)."""
    if contact is not None and contact.kind == NotificationContact.Kind.WEBHOOK:
        text = text.replace(contact.address, webhook_host(contact.address))
        if contact.secret_ciphertext:
            try:
                text = text.replace(secrets.decrypt(contact.secret_ciphertext), "[secret]")
            except secrets.SecretUnreadable:
                pass
    return text[:1000]


def delivery_attempt(delivery_id) -> str | None:
    """One attempt to send a queued delivery; SendFailed when another attempt should follow.

    Returns the delivery's status after the attempt, None when it was not queued any more.
    """
    now = timezone.now()
    claimed = NotificationDelivery.objects.filter(pk=delivery_id, status=Status.QUEUED).update(
        attempts=F("attempts") + 1, updated_at=now
    )
    if not claimed:  # sent or failed already (a job run twice), or gone with its platform
        return None
    delivery = NotificationDelivery.objects.select_related("contact").get(pk=delivery_id)
    contact = delivery.contact
    try:
        if contact is None:
            raise SendFailed("the contact was deleted", retry=False)
        if contact.kind == NotificationContact.Kind.WEBHOOK:
            _send_webhook(delivery, contact)
        else:
            _send_email(delivery, contact)
    except SendFailed as failure:
        final = not failure.retry or delivery.attempts >= max_attempts()
        error = _scrubbed(str(failure), contact)
        NotificationDelivery.objects.filter(pk=delivery.pk).update(
            status=Status.FAILED if final else Status.QUEUED,
            last_error=f"attempt {delivery.attempts}: {error}", updated_at=timezone.now(),
        )  # fmt: skip
        if final:
            return Status.FAILED
        raise SendFailed(error) from None
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.SENT, sent_at=timezone.now(), updated_at=timezone.now()
    )
    return Status.SENT
