"""`/api/v1/notification-contacts/` and `/api/v1/notification-deliveries/`: operators manage
contacts, support staff and auditors read them; the secret is write-only."""

import pytest

from audit.models import AuditEvent
from notifications.models import NotificationContact, NotificationDelivery
from tests.fixtures.notifications import WEBHOOK_SECRET
from tests.helpers import api_for

CONTACTS = "/api/v1/notification-contacts/"
WEBHOOK = {
    "platform": "aws-prod.eu", "kind": "webhook", "address": "https://hooks.example.com/T/B/x",
    "events": ["account_failed", "connection_check_failed"], "secret": WEBHOOK_SECRET,
}  # fmt: skip


def test_it_creates_a_webhook_contact_and_never_returns_its_secret(operator_api, platform):
    response = operator_api.post(CONTACTS, WEBHOOK, format="json")
    assert response.status_code == 201, response.content
    assert WEBHOOK_SECRET not in response.content.decode()
    body = response.json()
    assert body["secret_fingerprint"].startswith("hmac-sha256:") and "secret" not in body
    assert body["address"] == WEBHOOK["address"] and body["platform"] == "aws-prod.eu"
    assert AuditEvent.objects.filter(action="notification_contact.create").count() == 1


def test_it_lists_contacts_by_platform(operator_api, email_contact):
    assert operator_api.get(CONTACTS, {"platform": "aws-prod.eu"}).json()["count"] == 1
    assert operator_api.get(CONTACTS, {"platform": "other.eu"}).json()["count"] == 0


def test_it_changes_and_deletes_a_contact(operator_api, email_contact):
    url = f"{CONTACTS}{email_contact.pk}/"
    response = operator_api.patch(url, {"events": ["account_recovered"]}, format="json")
    assert response.status_code == 200 and response.json()["events"] == ["account_recovered"]
    assert operator_api.delete(url).status_code == 204
    assert not NotificationContact.objects.exists()
    assert AuditEvent.objects.filter(action="notification_contact.delete").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"address": "not a url"}, "address"),
        ({"events": ["coffee"]}, "events"),
        ({"secret": "short"}, "secret"),
        ({"kind": "fax"}, "kind"),
        ({"platform": "nowhere.eu"}, "platform"),
    ],
)
def test_it_answers_400_naming_the_field(operator_api, platform, change, field):
    response = operator_api.post(CONTACTS, {**WEBHOOK, **change}, format="json")
    assert response.status_code == 400 and field in response.json(), response.content


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_support_and_auditors_read_but_do_not_write(request, persona, webhook_contact, platform):
    api = api_for(request.getfixturevalue(persona))
    listed = api.get(CONTACTS).json()["results"]
    assert listed[0]["address"] == webhook_contact.shown_address  # no path: it may hold a token
    assert api.post(CONTACTS, WEBHOOK, format="json").status_code == 403
    assert api.delete(f"{CONTACTS}{webhook_contact.pk}/").status_code == 403


def test_it_lists_deliveries_newest_first(operator_api, email_contact, platform):
    for subject in ("first", "second"):
        NotificationDelivery.objects.create(
            platform=platform, contact=email_contact, recipient=str(email_contact),
            event="account_failed", subject=subject, text="t",
        )  # fmt: skip
    response = operator_api.get("/api/v1/notification-deliveries/", {"platform": "aws-prod.eu"})
    assert [row["subject"] for row in response.json()["results"]] == ["second", "first"]
    assert response.json()["results"][0]["status"] == "queued"
