"""Who a platform tells about its events (contacts), and every message sent to them.

Values are validated by services.py, never here. Who may see and change them follows the
platform's own permissions (permissions.py), so these models declare none of their own.
"""

import uuid
from urllib.parse import urlsplit

from django.db import models
from django.utils import timezone


class Event(models.TextChoices):
    """What a contact can be told about."""

    ACCOUNT_FAILED = "account_failed", "an account fails"
    ACCOUNT_RECOVERED = "account_recovered", "an account recovers"
    CONNECTION_CHECK_FAILED = "connection_check_failed", "the connection check fails"
    RETIREMENT_NEEDS_APPROVAL = "retirement_needs_approval", "a retirement needs approval"
    # Not chosen among `events`: a contact's `daily_digest` asks for it.
    DAILY_DIGEST = "daily_digest", "daily digest"
    # Not chosen either: sent to one contact when an operator asks (services.contact_test).
    TEST = "test", "a test message"


class NotificationContact(models.Model):
    """An e-mail address or a webhook URL that one platform tells about the events it chose."""

    class Kind(models.TextChoices):
        EMAIL = "email", "e-mail"
        WEBHOOK = "webhook", "webhook"

    platform = models.ForeignKey(
        "platforms.PlatformInstance", on_delete=models.CASCADE, related_name="notification_contacts"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # An e-mail address, or the webhook's URL (which may carry a token, as Slack's do: pages
    # for everyone and messages show its host only).
    address = models.CharField(max_length=2048)
    # Event values (the daily digest excepted).
    events = models.JSONField(default=list, blank=True)
    daily_digest = models.BooleanField(default=False)
    # Webhooks: the key that signs each body (platforms.secrets), shown as its fingerprint.
    secret_ciphertext = models.TextField(blank=True)
    secret_fingerprint = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "address"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "kind", "address"],
                name="notification_contact_unique_per_platform",
                violation_error_message="the platform already has this contact",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.shown_address}"

    @property
    def event_labels(self) -> list[str]:
        """The chosen events as people read them."""
        return [Event(event).label for event in self.events if event in Event.values]

    @property
    def shown_address(self) -> str:
        """The address as everyone may see it: a webhook's scheme and host only."""
        if self.kind != self.Kind.WEBHOOK:
            return self.address
        return webhook_host(self.address)


def webhook_host(url: str) -> str:
    """`scheme://host[:port]/…` of a webhook URL: never its path, query or user."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    more = "/…" if parts.path.strip("/") or parts.query or parts.fragment else ""
    return f"{parts.scheme}://{host}{more}"


class NotificationDelivery(models.Model):
    """One message to one contact about one event, and how its sending went."""

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"

    # The RQ job id of its sending, made here so pages never depend on Redis.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    platform = models.ForeignKey(
        "platforms.PlatformInstance", on_delete=models.CASCADE, related_name="+"
    )
    # Kept after the contact is deleted: the history stays, naming it by `recipient`.
    contact = models.ForeignKey(
        NotificationContact, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="deliveries",
    )  # fmt: skip
    recipient = models.CharField(max_length=300)
    event = models.CharField(max_length=32, choices=Event.choices)
    # The message as it is sent, on every attempt: subject and text, and the structured fields
    # a webhook receives beside `text`.
    subject = models.CharField(max_length=200)
    text = models.TextField()
    fields = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        default_permissions = ()
        indexes = [
            models.Index(fields=["platform", "-created_at"], name="notification_delivery_recent"),
            models.Index(fields=["status", "updated_at"], name="notification_delivery_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {self.recipient} ({self.status})"
