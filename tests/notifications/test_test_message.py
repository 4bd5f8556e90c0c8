"""A test message: an operator asks meshaws to send one contact a message now, from the platform
page or the API, and sees by its delivery whether the contact works."""

import pytest

from audit.models import AuditEvent
from notifications.models import Event, NotificationDelivery
from notifications.sending import delivery_attempt
from notifications.services import contact_test
from tests.fixtures.notifications import WEBHOOK_SECRET
from tests.helpers import api_for

Status = NotificationDelivery.Status
PLATFORM = "/platforms/eu/aws-prod/"
TEST = "/platforms/eu/aws-prod/notifications/test/"
CONTACTS = "/api/v1/notification-contacts/"


def test_it_sends_a_contact_a_signed_test_whatever_events_it_chose(
    alice, webhook_contact, webhook_receiver, queued_deliveries, django_capture_on_commit_callbacks
):
    webhook_contact.events = ["account_recovered"]
    webhook_contact.save()
    with django_capture_on_commit_callbacks(execute=True):
        delivery = contact_test(contact=webhook_contact, actor=alice)

    assert queued_deliveries == [delivery.pk] and delivery.event == Event.TEST
    assert delivery_attempt(delivery.pk) == Status.SENT
    body = webhook_receiver.bodies[0]
    assert body["event"] == "test" and body["requested_by"] == "alice"
    assert body["text"].startswith("Test message from meshaws for aws-prod.eu")
    assert webhook_receiver.requests[0]["headers"]["X-Meshaws-Event"] == "test"
    assert WEBHOOK_SECRET not in webhook_receiver.requests[0]["body"].decode()
    event = AuditEvent.objects.get(action="notification_contact.test")
    assert event.actor == alice and event.after["delivery"] == str(delivery.pk)
    assert "T0KEN" not in str(event.after)


def test_an_email_contact_gets_it_through_the_mail_server(
    alice, email_contact, smtp_server, queued_deliveries
):
    delivery = contact_test(contact=email_contact, actor=alice)
    assert delivery_attempt(delivery.pk) == Status.SENT
    assert "Subject: [meshaws] aws-prod.eu: test message" in smtp_server.messages[0]["data"]


def test_an_operator_sends_one_from_the_platform_page(
    client, alice, email_contact, queued_deliveries
):
    client.force_login(alice)
    page = client.get(PLATFORM).content.decode()
    assert f'data-testid="test-contact-{email_contact.pk}"' in page

    response = client.post(TEST, {"contact": email_contact.pk}, follow=True)

    assert response.redirect_chain[-1][0] == PLATFORM + "#notifications"
    delivery = NotificationDelivery.objects.get(event=Event.TEST)
    assert delivery.contact == email_contact
    page = response.content.decode()
    assert "Test message to e-mail ops@example.com queued" in page
    assert f'data-testid="delivery-{delivery.pk}"' in page and "a test message" in page


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_support_and_auditors_may_not_send_one(
    client, request, persona, email_contact, queued_deliveries
):
    client.force_login(request.getfixturevalue(persona))
    assert f"test-contact-{email_contact.pk}" not in client.get(PLATFORM).content.decode()
    assert client.post(TEST, {"contact": email_contact.pk}).status_code == 403
    assert api_for(request.getfixturevalue(persona)).post(
        f"{CONTACTS}{email_contact.pk}/test/"
    ).status_code == 403  # fmt: skip
    assert not NotificationDelivery.objects.exists()


def test_an_unknown_contact_is_a_404(client, alice, platform, queued_deliveries):
    client.force_login(alice)
    assert client.post(TEST, {"contact": "9999"}).status_code == 404
    assert client.post(TEST, {"contact": "x"}).status_code == 404


def test_the_api_answers_202_with_the_delivery(operator_api, email_contact, queued_deliveries):
    response = operator_api.post(f"{CONTACTS}{email_contact.pk}/test/")

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["event"] == "test" and body["status"] == "queued"
    assert body["contact"] == email_contact.pk
    listed = operator_api.get("/api/v1/notification-deliveries/", {"event": "test"}).json()
    assert [delivery["id"] for delivery in listed["results"]] == [body["id"]]
    assert operator_api.post(f"{CONTACTS}9999/test/").status_code == 404
