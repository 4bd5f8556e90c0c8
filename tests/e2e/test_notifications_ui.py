"""In Chromium: an operator adds a webhook and an e-mail contact on the platform page, a failed
connection check is delivered to both and each delivery shows its status there; an auditor
sees the section read-only."""

import pytest

from notifications.models import NotificationDelivery
from notifications.sending import SendFailed, delivery_attempt
from platforms.connection import Check
from platforms.signals import report_connection_check
from tests.e2e.console import sign_in
from tests.fixtures.notifications import WEBHOOK_SECRET

pytestmark = pytest.mark.browser
FAILING = [
    Check("assume management role", False, "AssumeRole failed: access denied",
          aws_error_code="AccessDenied", fix="trust meshfed-service in the role"),
]  # fmt: skip


def _add_contact(page, kind: str, address: str, events: list[str], secret: str = "") -> None:
    section = page.get_by_test_id("notifications")
    form = section.get_by_test_id("contact-form")
    if not form.is_visible():
        section.get_by_text("Add a contact").click()
    form.get_by_label("Kind").select_option(kind)
    form.get_by_label("E-mail address or webhook URL").fill(address)
    for event in events:
        form.get_by_label(event, exact=True).check()
    if secret:
        form.get_by_label("Signing secret").fill(secret)
    form.get_by_role("button", name="Add contact").click()
    page.wait_for_load_state()


def _delivery_row(page, delivery):
    return page.get_by_test_id(f"delivery-{delivery.pk}")


def test_an_operator_adds_contacts_and_sees_each_delivery_with_its_status(
    live_server,
    browser,
    page,
    alice,
    charlie,
    platform,
    webhook_receiver,
    smtp_server,
    queued_deliveries,
):
    sign_in(page, live_server.url, "alice")
    platform_page = f"{live_server.url}/platforms/eu/aws-prod/"
    page.goto(platform_page)
    page.get_by_test_id("no-contacts").wait_for()
    _add_contact(
        page, "webhook", webhook_receiver.url, ["the connection check fails"], WEBHOOK_SECRET
    )
    _add_contact(
        page, "email", "ops@example.com", ["the connection check fails", "an account fails"]
    )

    contacts = page.get_by_test_id("notification-contacts")
    assert "ops@example.com" in contacts.inner_text()
    assert webhook_receiver.url in contacts.inner_text()
    assert "hmac-sha256:" in contacts.inner_text()  # the secret's fingerprint, never the secret
    assert WEBHOOK_SECRET not in page.content()
    assert page.get_by_test_id("notification-deliveries").count() == 0

    # The connection check fails; the receiver answers its first message with a 503.
    webhook_receiver.answers = [503]
    report_connection_check(platform, FAILING)
    deliveries = {d.recipient.split()[0]: d for d in NotificationDelivery.objects.all()}
    assert sorted(deliveries) == ["e-mail", "webhook"] and sorted(queued_deliveries) == sorted(
        d.pk for d in deliveries.values()
    )
    email, webhook = deliveries["e-mail"], deliveries["webhook"]
    assert delivery_attempt(email.pk) == NotificationDelivery.Status.SENT
    with pytest.raises(SendFailed):
        delivery_attempt(webhook.pk)

    page.goto(platform_page)
    row = _delivery_row(page, webhook)
    assert row.get_by_test_id("delivery-status").inner_text() == "queued"
    assert "answered HTTP 503" in row.inner_text() and "T0KEN" not in row.inner_text()
    assert _delivery_row(page, email).get_by_test_id("delivery-status").inner_text() == "sent"

    assert delivery_attempt(webhook.pk) == NotificationDelivery.Status.SENT  # the retry
    page.reload()
    row = _delivery_row(page, webhook)
    assert row.get_by_test_id("delivery-status").inner_text() == "sent"
    assert "the connection check fails" in row.inner_text()
    assert [r["path"] for r in webhook_receiver.requests] == ["/hooks/T0KEN-in-the-path"] * 2
    assert smtp_server.messages[0]["to"] == ["ops@example.com"]
    assert WEBHOOK_SECRET not in page.content()

    # An auditor sees the contacts and deliveries, and nothing to change them with.
    other = browser.new_context().new_page()
    try:
        sign_in(other, live_server.url, "charlie")
        other.goto(platform_page)
        section = other.get_by_test_id("notifications")
        assert "ops@example.com" in section.get_by_test_id("notification-contacts").inner_text()
        assert _delivery_row(other, webhook).get_by_test_id("delivery-status").inner_text() == (
            "sent"
        )
        assert section.get_by_test_id("contact-form").count() == 0
        assert section.get_by_text("Add a contact").count() == 0
        assert section.get_by_role("button", name="Remove").count() == 0
        assert "T0KEN" not in section.inner_text()  # the webhook's path: its host only
    finally:
        other.context.close()


def test_an_operator_sends_a_contact_a_test_message_and_sees_it_arrive(
    live_server, page, alice, email_contact, smtp_server, queued_deliveries
):
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/platforms/eu/aws-prod/")
    page.get_by_test_id(f"test-contact-{email_contact.pk}").click()
    page.wait_for_load_state()

    assert "Test message to e-mail ops@example.com queued" in page.inner_text("body")
    delivery = NotificationDelivery.objects.get()
    assert queued_deliveries == [delivery.pk]
    assert _delivery_row(page, delivery).get_by_test_id("delivery-status").inner_text() == "queued"
    assert delivery_attempt(delivery.pk) == NotificationDelivery.Status.SENT
    page.reload()
    row = _delivery_row(page, delivery)
    assert row.get_by_test_id("delivery-status").inner_text() == "sent"
    assert "a test message" in row.inner_text()
    assert smtp_server.messages[0]["to"] == ["ops@example.com"]
