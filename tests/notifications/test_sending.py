"""Sending: e-mail to a real local SMTP server, signed webhooks to a local HTTP receiver,
retries with back-off by RQ, each attempt recorded, and no secret in any message."""

import hashlib
import hmac

import django_rq
import pytest

from accounts.models import ProjectAccount
from notifications import jobs
from notifications.messages import account_failed
from notifications.models import NotificationDelivery
from notifications.sending import SendFailed, delivery_attempt
from notifications.services import notify
from tests.fixtures.notifications import WEBHOOK_SECRET
from tests.helpers import SECRETS, free_port, run_worker

Status = NotificationDelivery.Status


@pytest.fixture
def failed_account(account_in_aws):
    """acme.web on aws-prod.eu, failed with an AWS error."""
    account_in_aws.status = ProjectAccount.Status.FAILED
    account_in_aws.status_message = "AccessDenied: the role cannot be assumed"
    return account_in_aws


def _delivery(account, monkeypatch=None):
    if monkeypatch is not None:
        monkeypatch.setattr(jobs, "enqueue", lambda *args, **kwargs: None)
    return notify(platform=account.platform, message=account_failed(account))[0]


def test_it_sends_an_email_through_a_real_smtp_server(
    failed_account, email_contact, smtp_server, monkeypatch
):
    delivery = _delivery(failed_account, monkeypatch)
    assert delivery_attempt(delivery.pk) == Status.SENT
    message = smtp_server.messages[0]
    assert message["to"] == ["ops@example.com"]
    assert "Subject: [meshaws] acme.web on aws-prod.eu failed" in message["data"]
    assert "AccessDenied: the role cannot be assumed" in message["data"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.sent_at is not None) == (
        Status.SENT, 1, True,
    )  # fmt: skip


def test_it_posts_a_signed_json_body_with_a_slack_text(
    failed_account, webhook_contact, webhook_receiver, monkeypatch
):
    delivery = _delivery(failed_account, monkeypatch)
    assert delivery_attempt(delivery.pk) == Status.SENT
    request = webhook_receiver.requests[0]
    assert request["path"] == "/hooks/T0KEN-in-the-path"
    assert request["headers"]["Content-Type"] == "application/json"
    expected = hmac.new(WEBHOOK_SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-Meshaws-Signature"] == f"sha256={expected}"
    assert request["headers"]["X-Meshaws-Event"] == "account_failed"
    body = webhook_receiver.bodies[0]
    assert body["text"].startswith("Account acme.web on aws-prod.eu failed")
    assert body["event"] == "account_failed" and body["platform"] == "aws-prod.eu"
    assert body["account"]["project"] == "acme.web" and body["delivery"] == str(delivery.pk)


def test_it_records_a_failed_attempt_and_asks_for_a_retry(
    failed_account, webhook_contact, webhook_receiver, monkeypatch
):
    webhook_receiver.answers = [503]
    delivery = _delivery(failed_account, monkeypatch)
    with pytest.raises(SendFailed, match="answered HTTP 503"):
        delivery_attempt(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.QUEUED, 1)
    assert delivery.last_error.startswith("attempt 1: http://127.0.0.1:")
    assert "T0KEN" not in delivery.last_error


def test_it_records_the_final_failure_without_raising(
    failed_account, webhook_contact, webhook_receiver, monkeypatch, settings
):
    settings.MESHAWS_NOTIFICATION_RETRY_SECONDS = [1]
    webhook_receiver.answers = [500, 500]
    delivery = _delivery(failed_account, monkeypatch)
    with pytest.raises(SendFailed):
        delivery_attempt(delivery.pk)
    assert delivery_attempt(delivery.pk) == Status.FAILED
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 2)
    assert "attempt 2" in delivery.last_error and "HTTP 500" in delivery.last_error
    assert delivery_attempt(delivery.pk) is None  # a job run again sends nothing
    assert len(webhook_receiver.requests) == 2


def test_it_fails_at_once_for_an_unreachable_mail_server(
    failed_account, email_contact, settings, monkeypatch
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    delivery = _delivery(failed_account, monkeypatch)
    with pytest.raises(SendFailed, match="the mail server did not take it"):
        delivery_attempt(delivery.pk)


def test_no_secret_appears_in_any_message(
    failed_account, webhook_contact, email_contact, webhook_receiver, smtp_server, monkeypatch
):
    monkeypatch.setattr(jobs, "enqueue", lambda *args, **kwargs: None)
    deliveries = notify(platform=failed_account.platform, message=account_failed(failed_account))
    for delivery in deliveries:
        delivery_attempt(delivery.pk)
    sent = [request["body"].decode() for request in webhook_receiver.requests]
    sent += [message["data"] for message in smtp_server.messages]
    sent += [repr(d.__dict__) for d in NotificationDelivery.objects.all()]
    assert len(sent) == 4
    for text in sent:
        for secret in (WEBHOOK_SECRET, *SECRETS):
            assert secret not in text
        assert "T0KEN" not in text


@pytest.mark.django_db(transaction=True)
def test_a_worker_retries_with_back_off_until_it_succeeds(
    failed_account, webhook_contact, webhook_receiver, own_redis, settings,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.MESHAWS_NOTIFICATION_RETRY_SECONDS = [0, 0, 0]
    webhook_receiver.answers = [500, 502]
    with django_capture_on_commit_callbacks(execute=True):
        delivery = _delivery(failed_account)
    worker = run_worker(own_redis.url, MESHAWS_NOTIFICATION_RETRY_SECONDS="0,0,0")
    assert worker.returncode == 0, worker.stderr[-2000:]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.SENT, 3)
    assert "attempt 2: " in delivery.last_error and "HTTP 502" in delivery.last_error
    assert len(webhook_receiver.requests) == 3
    assert webhook_receiver.bodies[0] == webhook_receiver.bodies[2]  # the same message


@pytest.mark.django_db(transaction=True)
def test_a_worker_records_the_final_failure(
    failed_account, webhook_contact, webhook_receiver, own_redis, settings,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.MESHAWS_NOTIFICATION_RETRY_SECONDS = [0]
    webhook_receiver.answers = [500, 500, 500]
    with django_capture_on_commit_callbacks(execute=True):
        delivery = _delivery(failed_account)
    worker = run_worker(own_redis.url, MESHAWS_NOTIFICATION_RETRY_SECONDS="0")
    assert worker.returncode == 0, worker.stderr[-2000:]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 2)
    assert len(webhook_receiver.requests) == 2
    assert django_rq.get_queue(jobs.QUEUE).count == 0
