"""Contacts: created, changed and removed through the services, each audited; every refusal
names its field; the webhook's secret is sealed and never shown back."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from notifications.models import NotificationContact, NotificationDelivery
from notifications.services import contact_create, contact_delete, contact_update
from platforms import secrets
from platforms.services import platforms_rotate_secrets
from tests.fixtures.notifications import WEBHOOK_SECRET


def _refused(**values) -> dict:
    with pytest.raises(ValidationError) as refused:
        contact_create(**values)
    return refused.value.message_dict


def test_it_adds_an_email_contact_with_an_audit_event(platform, alice):
    contact = contact_create(
        platform=platform, kind="email", address=" ops@example.com ",
        events=["account_failed"], actor=alice,
    )  # fmt: skip
    assert contact.address == "ops@example.com"
    event = AuditEvent.objects.get(action="notification_contact.create")
    assert event.actor == alice and event.object_id == str(contact.pk)
    assert event.after["address"] == "ops@example.com"
    assert event.after["events"] == ["account_failed"]


def test_it_seals_the_webhook_secret_and_keeps_its_fingerprint(webhook_contact):
    assert WEBHOOK_SECRET not in webhook_contact.secret_ciphertext
    assert secrets.decrypt(webhook_contact.secret_ciphertext) == WEBHOOK_SECRET
    assert webhook_contact.secret_fingerprint == secrets.fingerprint(WEBHOOK_SECRET)


def test_it_audits_neither_the_secret_nor_the_webhook_path(webhook_contact):
    event = AuditEvent.objects.get(action="notification_contact.create")
    written = repr((event.before, event.after, event.object_repr, event.remark))
    assert WEBHOOK_SECRET not in written and "T0KEN" not in written
    assert event.after["secret"] == webhook_contact.secret_fingerprint


def test_it_audits_a_change_with_before_and_after(email_contact, alice):
    contact_update(contact=email_contact, events=["account_recovered"], actor=alice)
    event = AuditEvent.objects.get(action="notification_contact.update")
    assert event.before["events"] != event.after["events"] == ["account_recovered"]


def test_it_writes_nothing_when_nothing_changes(email_contact, alice):
    contact_update(contact=email_contact, events=list(email_contact.events), actor=alice)
    assert not AuditEvent.objects.filter(action="notification_contact.update").exists()


def test_it_keeps_the_deliveries_of_a_removed_contact(email_contact, platform, alice):
    NotificationDelivery.objects.create(
        platform=platform, contact=email_contact, recipient=str(email_contact),
        event="account_failed", subject="s", text="t",
    )  # fmt: skip
    contact_delete(contact=email_contact, actor=alice)
    assert not NotificationContact.objects.exists()
    assert NotificationDelivery.objects.get().recipient == "e-mail ops@example.com"
    assert AuditEvent.objects.filter(action="notification_contact.delete", actor=alice).exists()


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"kind": "email", "address": "not-an-address"}, "address", "not an e-mail address"),
        ({"kind": "webhook", "address": "ftp://example.com/x", "secret": "s" * 20}, "address",
         "http:// or https://"),
        ({"kind": "email", "address": ""}, "address", "is required"),
        ({"kind": "pager", "address": "ops@example.com"}, "kind", "email or webhook"),
        ({"kind": "email", "address": "ops@example.com", "events": ["coffee"]}, "events",
         "unknown event(s) coffee"),
        ({"kind": "email", "address": "ops@example.com", "events": []}, "events",
         "at least one event"),
        ({"kind": "webhook", "address": "https://hooks.example.com/x"}, "secret",
         "is required for a webhook"),
        ({"kind": "webhook", "address": "https://hooks.example.com/x", "secret": "short"},
         "secret", "16 to 256 characters"),
        ({"kind": "email", "address": "ops@example.com", "secret": "s" * 20}, "secret",
         "only webhooks are signed"),
    ],
)  # fmt: skip
def test_it_refuses_a_contact_naming_the_field(platform, values, field, words):
    errors = _refused(platform=platform, actor=None, **{"events": ["account_failed"], **values})
    assert words in " ".join(errors[field]), errors


def test_it_names_every_refused_field_at_once(platform):
    errors = _refused(
        platform=platform, kind="webhook", address="nope", events=["coffee"], actor=None
    )
    assert set(errors) == {"address", "events", "secret"}


def test_it_refuses_the_same_contact_twice(email_contact, platform):
    errors = _refused(
        platform=platform, kind="email", address="ops@example.com", events=["account_failed"],
        actor=None,
    )  # fmt: skip
    assert "already has this contact" in errors["address"][0]


def test_it_accepts_the_digest_alone(platform):
    contact = contact_create(
        platform=platform, kind="email", address="ops@example.com", events=[],
        daily_digest=True, actor=None,
    )  # fmt: skip
    assert contact.daily_digest and contact.events == []


def test_it_asks_for_the_secret_again_when_the_url_changes(webhook_contact):
    with pytest.raises(ValidationError) as refused:
        contact_update(
            contact=webhook_contact, address="https://elsewhere.example.com/h", actor=None
        )
    assert "give its signing secret again" in refused.value.message_dict["secret"][0]


def test_it_keeps_the_secret_when_none_is_given(webhook_contact):
    contact_update(contact=webhook_contact, daily_digest=True, actor=None)
    webhook_contact.refresh_from_db()
    assert secrets.decrypt(webhook_contact.secret_ciphertext) == WEBHOOK_SECRET


def test_it_never_changes_a_contact_kind(email_contact):
    with pytest.raises(ValidationError) as refused:
        contact_update(contact=email_contact, kind="webhook", actor=None)
    assert "never changes" in refused.value.message_dict["kind"][0]


def test_it_shows_only_the_host_of_a_webhook(webhook_contact):
    assert webhook_contact.shown_address.startswith("http://127.0.0.1:")
    assert "T0KEN" not in webhook_contact.shown_address and "T0KEN" not in str(webhook_contact)


def test_rotating_the_secrets_re_encrypts_webhook_secrets_under_the_newest_key(
    webhook_contact, settings
):
    newest = Fernet.generate_key().decode()
    settings.MESHAWS_ENCRYPTION_KEYS = (newest, *settings.MESHAWS_ENCRYPTION_KEYS)
    assert platforms_rotate_secrets(actor=None) >= 1
    webhook_contact.refresh_from_db()
    settings.MESHAWS_ENCRYPTION_KEYS = (newest,)  # the old key removed: still readable
    assert secrets.decrypt(webhook_contact.secret_ciphertext) == WEBHOOK_SECRET
    assert webhook_contact.secret_fingerprint == secrets.fingerprint(WEBHOOK_SECRET)
