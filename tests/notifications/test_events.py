"""Events become deliveries: an account fails or recovers, a connection check fails, a
retirement needs approval, the daily digest; each queued for its sending after commit."""

import django_rq
import pytest
from django.core.management import call_command

from accounts.models import AccountRetirement, ProjectAccount
from accounts.services import deletion_request
from notifications import jobs, services
from notifications.digest import send_daily_digests
from notifications.models import Event, NotificationDelivery
from platforms.connection import Check
from platforms.models import LandingZone
from replication.signals import account_status_changed

Status = ProjectAccount.Status
FAILING = [
    Check("service credentials", True, "stored keys"),
    Check("assume management role", False, "AssumeRole failed: access denied",
          aws_error_code="AccessDenied", fix="trust meshfed-service in the role"),
]  # fmt: skip


def _changed(account, old, new):
    account_status_changed.send(sender=ProjectAccount, account=account, old=old, new=new, run=None)


@pytest.fixture
def queued(monkeypatch):
    """The deliveries whose sending was queued, instead of Redis."""
    sent = []
    monkeypatch.setattr(jobs, "enqueue", lambda delivery_id, suffix="": sent.append(delivery_id))
    return sent


def test_it_tells_subscribers_when_an_account_fails(
    account_in_aws, email_contact, webhook_contact, queued, django_capture_on_commit_callbacks
):
    account_in_aws.status_message = "CreateAccount failed: ConstraintViolationException"
    with django_capture_on_commit_callbacks(execute=True):
        _changed(account_in_aws, Status.RUNNING, Status.FAILED)
    deliveries = NotificationDelivery.objects.order_by("recipient")
    assert [d.event for d in deliveries] == [Event.ACCOUNT_FAILED] * 2
    assert sorted(queued) == sorted(d.pk for d in deliveries)
    delivery = deliveries[0]
    assert "acme.web on aws-prod.eu failed" in delivery.text
    assert "ConstraintViolationException" in delivery.text
    assert delivery.fields["account"]["aws_account_id"] == "111122223333"


def test_it_queues_nothing_before_the_transaction_commits(account_in_aws, email_contact, queued):
    _changed(account_in_aws, Status.RUNNING, Status.FAILED)
    assert NotificationDelivery.objects.count() == 1 and queued == []


def test_it_tells_only_contacts_that_asked_for_the_event(
    account_in_aws, email_contact, platform, queued
):
    services.contact_update(contact=email_contact, events=["account_recovered"], actor=None)
    _changed(account_in_aws, Status.RUNNING, Status.FAILED)
    assert not NotificationDelivery.objects.exists()


@pytest.mark.parametrize(
    ("old", "new", "event"),
    [
        (Status.FAILED, Status.READY, Event.ACCOUNT_RECOVERED),
        (Status.FAILED, Status.READY_WITH_WARNINGS, Event.ACCOUNT_RECOVERED),
        (Status.FAILED, Status.FAILED, None),
        (Status.FAILED, Status.RETRYING, None),
        (Status.RETRYING, Status.READY, None),
        (Status.QUEUED, Status.RUNNING, None),
    ],
)
def test_it_tells_of_a_recovery_only_from_failed_to_ready(
    account_in_aws, email_contact, queued, old, new, event
):
    _changed(account_in_aws, old, new)
    assert list(NotificationDelivery.objects.values_list("event", flat=True)) == (
        [event] if event else []
    )


def test_it_tells_when_the_connection_check_fails_on_the_page(
    client, alice, platform, email_contact, queued, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("platforms.connection.check_platform", lambda platform: FAILING)
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/platforms/eu/aws-prod/check/").status_code == 200
    delivery = NotificationDelivery.objects.get()
    assert delivery.event == Event.CONNECTION_CHECK_FAILED
    assert "assume management role: AssumeRole failed: access denied [AccessDenied]" in (
        delivery.text
    )
    assert delivery.fields["failed_checks"][0]["fix"] == "trust meshfed-service in the role"
    assert queued == [delivery.pk]


def test_it_tells_when_the_check_platform_command_fails(
    platform, email_contact, queued, monkeypatch
):
    monkeypatch.setattr(
        "platforms.management.commands.check_platform.check_platform", lambda platform: FAILING
    )
    with pytest.raises(Exception, match="1 of 2 checks failed"):
        call_command("check_platform", "aws-prod.eu")
    assert NotificationDelivery.objects.get().event == Event.CONNECTION_CHECK_FAILED


def test_it_tells_nothing_when_every_check_passes(
    client, alice, platform, email_contact, queued, monkeypatch
):
    monkeypatch.setattr("platforms.connection.check_platform", lambda platform: FAILING[:1])
    client.force_login(alice)
    client.post("/platforms/eu/aws-prod/check/")
    assert not NotificationDelivery.objects.exists()


def test_it_tells_when_a_retirement_needs_approval(
    account_in_aws, email_contact, alice, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        deletion_request(account=account_in_aws, comment="the project is over", actor=alice)
    assert not NotificationDelivery.objects.exists()  # only once the request is committed
    for callback in callbacks:
        callback()
    delivery = NotificationDelivery.objects.get()
    assert delivery.event == Event.RETIREMENT_NEEDS_APPROVAL
    assert 'alice asks to retire account acme.web on aws-prod.eu: "the project is over"' in (
        delivery.text
    )


def test_it_asks_nobody_when_the_zone_approves_at_once(
    account_in_aws, email_contact, alice, queued, django_capture_on_commit_callbacks
):
    LandingZone.objects.update(automate_deletion_approval=True)
    account_in_aws.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        deletion_request(account=account_in_aws, comment="the project is over", actor=alice)
    assert AccountRetirement.objects.get().decision == AccountRetirement.Decision.APPROVED
    assert not NotificationDelivery.objects.exists()


def test_it_sends_the_daily_digest_to_those_who_asked(
    account_in_aws, email_contact, webhook_contact, alice, queued
):
    ProjectAccount.objects.filter(pk=account_in_aws.pk).update(
        status=Status.FAILED, status_message="the OU does not exist"
    )
    assert send_daily_digests() == 1  # the webhook did not ask for it
    delivery = NotificationDelivery.objects.get()
    assert delivery.event == Event.DAILY_DIGEST and delivery.contact == email_contact
    assert "aws-prod.eu today: 1 accounts, 1 failed, 0 retrying" in delivery.text
    assert "acme.web: the OU does not exist" in delivery.text
    assert delivery.fields["failed"][0]["project"] == "acme.web"


def test_it_lists_pending_retirements_in_the_digest(account_in_aws, email_contact, alice, queued):
    deletion_request(account=account_in_aws, comment="the project is over", actor=alice)
    send_daily_digests()
    digest = NotificationDelivery.objects.get(event=Event.DAILY_DIGEST)
    assert "1 retirement(s) waiting for approval" in digest.text
    assert digest.fields["pending_retirements"] == [
        {"project": "acme.web", "comment": "the project is over"}
    ]


def test_a_receiver_failure_never_reaches_the_sender(account_in_aws, email_contact, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the database is gone")

    monkeypatch.setattr(services, "notify", broken)
    _changed(account_in_aws, Status.RUNNING, Status.FAILED)  # does not raise


def test_it_queues_each_delivery_as_a_job_with_retries(
    account_in_aws, email_contact, own_redis, settings, django_capture_on_commit_callbacks
):
    settings.MESHAWS_NOTIFICATION_RETRY_SECONDS = [5, 60]
    with django_capture_on_commit_callbacks(execute=True):
        _changed(account_in_aws, Status.RUNNING, Status.FAILED)
    delivery = NotificationDelivery.objects.get()
    job = django_rq.get_queue(jobs.QUEUE).fetch_job(str(delivery.pk))
    assert job.func_name == "notifications.jobs.deliver" and job.args == (str(delivery.pk),)
    assert job.retries_left == 2 and job.retry_intervals == [5, 60]
