"""The platform page's notifications section: operators add, change and remove contacts;
support staff and auditors see the contacts and deliveries, read-only."""

import pytest

from audit.models import AuditEvent
from notifications.models import NotificationContact, NotificationDelivery

PLATFORM = "/platforms/eu/aws-prod/"
NOTIFICATIONS = "/platforms/eu/aws-prod/notifications/"


@pytest.fixture
def delivery(platform, webhook_contact):
    """A failed delivery to the webhook."""
    return NotificationDelivery.objects.create(
        platform=platform, contact=webhook_contact, recipient=str(webhook_contact),
        event="account_failed", subject="s", text="t", status="failed", attempts=4,
        last_error="attempt 4: http://127.0.0.1/… answered HTTP 500",
    )  # fmt: skip


def test_it_shows_an_operator_the_contacts_forms_and_deliveries(
    client, alice, email_contact, delivery
):
    client.force_login(alice)
    page = client.get(PLATFORM).content.decode()
    assert 'data-testid="notifications"' in page and "ops@example.com" in page
    assert 'data-testid="contact-form"' in page
    assert f'data-testid="delete-contact-{email_contact.pk}"' in page
    assert "answered HTTP 500" in page and 'data-testid="delivery-status">failed<' in page


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_it_shows_others_the_section_read_only(client, request, persona, webhook_contact, delivery):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(PLATFORM).content.decode()
    assert 'data-testid="notifications"' in page and "answered HTTP 500" in page
    assert 'data-testid="contact-form"' not in page and "delete-contact-" not in page
    assert "T0KEN" not in page  # the webhook's path, which may hold a token
    response = client.post(NOTIFICATIONS, {"kind": "email", "address": "x@example.com"})
    assert response.status_code == 403


def test_an_operator_adds_a_contact(client, alice, platform):
    client.force_login(alice)
    response = client.post(
        NOTIFICATIONS,
        {"kind": "email", "address": "ops@example.com", "events": ["account_failed"]},
    )
    assert response.status_code == 302 and response["Location"] == PLATFORM + "#notifications"
    assert NotificationContact.objects.get().events == ["account_failed"]
    assert AuditEvent.objects.filter(action="notification_contact.create", actor=alice).exists()


def test_it_shows_every_refused_field_on_the_form(client, alice, platform):
    client.force_login(alice)
    response = client.post(
        NOTIFICATIONS, {"kind": "webhook", "address": "nope", "secret": "leaked secret typed here"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    for field in ("address", "events", "secret"):
        assert f'data-testid="error-{field}"' in page, field
    assert "leaked secret typed here" not in page
    assert not NotificationContact.objects.exists()


def test_an_operator_edits_a_contact(client, alice, email_contact):
    client.force_login(alice)
    form = client.get(f"{NOTIFICATIONS}?edit={email_contact.pk}").content.decode()
    assert 'value="ops@example.com"' in form and "Save contact" in form
    response = client.post(
        NOTIFICATIONS,
        {"contact": email_contact.pk, "kind": "email", "address": "oncall@example.com",
         "events": ["account_recovered"], "daily_digest": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    email_contact.refresh_from_db()
    assert (email_contact.address, email_contact.events) == (
        "oncall@example.com", ["account_recovered"],
    )  # fmt: skip


def test_an_operator_removes_a_contact(client, alice, email_contact):
    client.force_login(alice)
    response = client.post(f"{NOTIFICATIONS}delete/", {"contact": email_contact.pk})
    assert response.status_code == 302
    assert not NotificationContact.objects.exists()


def test_it_answers_404_for_a_contact_of_another_platform(client, alice, email_contact):
    client.force_login(alice)
    assert client.get(f"{NOTIFICATIONS}?edit=999999").status_code == 404
