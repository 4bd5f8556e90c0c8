"""A console with something in every state, and its main pages: for the accessibility and layout
tests (test_accessibility.py) and the screenshots (screenshots.py)."""

from datetime import timedelta

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import ProjectAccount, ProjectRole
from accounts.roles import SUPPORT
from accounts.services import (
    api_token_create,
    binding_create,
    customer_create,
    deletion_request,
    project_account_create,
    project_create,
    staff_user_create,
)
from audit.models import AuditEvent
from notifications.messages import account_failed
from notifications.models import NotificationContact, NotificationDelivery
from notifications.services import CHOOSABLE_EVENTS, contact_create, notify
from replication.models import ReplicationRun, ReplicationStep
from replication.services import resync_batch_create
from tests.helpers import PASSWORD

Status = ProjectAccount.Status
RunStatus = ReplicationRun.Status
# What each account's only run says, by the account's status.
RUN_OF_STATUS = {
    Status.QUEUED: RunStatus.PENDING,
    Status.RUNNING: RunStatus.RUNNING,
    Status.WAITING_FOR_AWS: RunStatus.WAITING,
    Status.RETRYING: RunStatus.WAITING,
    Status.FAILED: RunStatus.FAILED,
    Status.READY: RunStatus.SUCCEEDED,
    Status.READY_WITH_WARNINGS: RunStatus.SUCCEEDED,
}
LONG_ERROR = (
    "AccessDenied: User: arn:aws:sts::123456789012:assumed-role/meshfed-service-role/meshaws is "
    "not authorized to perform: organizations:CreateAccount on resource: *"
)
# A hook whose path holds a token, as Slack's do.
WEBHOOK_URL = "https://hooks.example.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX"
DeliveryStatus = NotificationDelivery.Status


def build_console(platform, operator) -> dict:
    """Customers, projects (two not enabled), an account in each status with its run, steps of
    every status, a batch, a retirement request, notification contacts and deliveries of every
    status, a support user with an API token; returns what the page paths need."""
    acme = customer_create(identifier="acme", display_name="ACME Corporation", actor=operator)
    globex = customer_create(identifier="globex", display_name="Globex", actor=operator)
    for identifier in ("intranet", "data-lake-analytics-platform"):
        project_create(
            customer=globex, identifier=identifier, display_name=identifier.title(), tags={},
            actor=operator,
        )  # fmt: skip
    admin = ProjectRole.objects.get(identifier="admin")
    accounts = {}
    for number, (status, label) in enumerate(Status.choices):
        project = project_create(
            customer=acme, identifier=f"{status.replace('_', '-')}-project",
            display_name=f"Project {label}", tags={"cost-center": f"4{number}"}, actor=operator,
        )  # fmt: skip
        binding_create(project=project, user="dev@example.com", role=admin, actor=operator)
        account = project_account_create(project=project, platform=platform, actor=operator)
        ProjectAccount.objects.filter(pk=account.pk).update(
            status=status, aws_account_id=f"{100000000000 + number}",
            status_message=LONG_ERROR if status in (Status.FAILED, Status.RETRYING) else "",
        )  # fmt: skip
        run = account.runs.get()
        run_status = RUN_OF_STATUS[Status(status)]
        finished = run_status in (RunStatus.SUCCEEDED, RunStatus.FAILED)
        ReplicationRun.objects.filter(pk=run.pk).update(
            status=run_status, attempt=1, started_at=timezone.now() - timedelta(minutes=3),
            finished_at=timezone.now() if finished else None,
            error=LONG_ERROR if run_status == RunStatus.FAILED else "",
            error_step="create_account" if run_status == RunStatus.FAILED else "",
        )  # fmt: skip
        accounts[status] = account
    failed_run = accounts[Status.FAILED].runs.get()
    for position, step_status in enumerate(ReplicationStep.Status.values):
        ReplicationStep.objects.create(
            run=failed_run, position=position, name=f"step-{step_status}", status=step_status,
            started_at=timezone.now(), finished_at=timezone.now(),
            remark=LONG_ERROR if step_status == "failed" else f"the step was {step_status}",
        )  # fmt: skip
    batch = resync_batch_create(
        accounts=list(accounts.values())[:4], description="re-sync of aws-prod.eu", actor=operator
    )
    webhook = _notifications(platform, accounts[Status.FAILED], operator)
    deletion_request(account=accounts[Status.READY], comment="the project is over", actor=operator)
    subject, _ = staff_user_create(username="dora", role=SUPPORT, actor=operator)
    api_token_create(user=subject, actor=operator)
    return {
        "platform": platform,
        "customer": acme,
        "project": accounts[Status.READY].project,
        "failed_account": accounts[Status.FAILED],
        "batch": batch,
        "event": AuditEvent.objects.filter(action="platform.create").first()
        or AuditEvent.objects.first(),
        "staff_user": operator,
        "staff_subject": subject,
        "webhook": webhook,
    }


def _notifications(platform, failed_account, operator) -> NotificationContact:
    """An e-mail and a webhook contact, and a sent and a failed delivery; returns the webhook."""
    every_event = CHOOSABLE_EVENTS
    contact_create(
        platform=platform, kind="email", address="cloud-operations@example.com",
        events=every_event, daily_digest=True, actor=operator,
    )  # fmt: skip
    webhook = contact_create(
        platform=platform, kind="webhook", address=WEBHOOK_URL, events=every_event[:2],
        secret="console-webhook-signing-key-0123", actor=operator,
    )  # fmt: skip
    sent, failed = notify(platform=platform, message=account_failed(failed_account))
    NotificationDelivery.objects.filter(pk=sent.pk).update(
        status=DeliveryStatus.SENT, attempts=1, sent_at=timezone.now()
    )
    NotificationDelivery.objects.filter(pk=failed.pk).update(
        status=DeliveryStatus.FAILED, attempts=4,
        last_error="attempt 4: https://hooks.example.com/… answered HTTP 503 Service Unavailable",
    )  # fmt: skip
    return webhook


def page_paths(console: dict) -> dict[str, str]:
    """Each main page's name and path; pages whose URL does not exist here are left out."""
    platform, project = console["platform"], console["project"]
    at_platform = {"location": platform.location.identifier, "platform": platform.identifier}
    at_project = {"customer": project.customer.identifier, "project": project.identifier}
    wanted = {
        "dashboard": ("dashboard", {}),
        "platforms": ("platform-list", {}),
        "platform": ("platform-detail", at_platform),
        "platform-new": ("platform-create", {}),
        "platform-edit": ("platform-edit", at_platform),
        "locations": ("location-list", {}),
        "unmanaged": ("platform-unmanaged-accounts", at_platform),
        "projects": ("project-list", {}),
        "project": ("project-detail", at_project),
        "project-new": ("project-create", {}),
        "customers": ("customer-list", {}),
        "customer": ("customer-detail", {"customer": console["customer"].identifier}),
        "accounts": ("project-account-list", {}),
        "account": ("project-account-detail", {"account": console["failed_account"].pk}),
        "runs": ("replication-run-list", {}),
        "batch": ("replication-batch-detail", {"batch": console["batch"].pk}),
        "retirements": ("retirement-list", {}),
        "audit-log": ("audit-event-list", {}),
        "audit-event": ("audit-event-detail", {"event": console["event"].pk}),
        "user": ("user-detail", {"user": "dev@example.com"}),
        "staff": ("staff-list", {}),
        "staff-new": ("staff-create", {}),
        "staff-member": ("staff-detail", {"staff_user": console["staff_user"].pk}),
        "staff-deactivate": ("staff-deactivate", {"staff_user": console["staff_subject"].pk}),
        "staff-token-revoke": ("staff-token-revoke", {"staff_user": console["staff_subject"].pk}),
        "bulk-enable": ("projects-enable", {}),
        "bulk-enable-platform": ("projects-enable", {}),
        "notifications": ("platform-notifications", at_platform),
        "notification-edit": ("platform-notifications", at_platform),
        "platform-resync": ("platform-resync", at_platform),
    }
    # The bulk enable page lists the projects once a platform is chosen.
    queries = {
        "bulk-enable-platform": f"?platform={platform.full_identifier}",
        "notification-edit": f"?edit={console['webhook'].pk}",  # the contact form, open
    }
    paths = {}
    for name, (url_name, kwargs) in wanted.items():
        try:
            paths[name] = reverse(url_name, kwargs=kwargs) + queries.get(name, "")
        except NoReverseMatch:
            continue
    return paths


# The list pages whose tables must stay readable at 390 px.
LIST_PAGES = (
    "dashboard", "platforms", "projects", "customers", "accounts", "runs", "batch",
    "retirements", "audit-log", "staff", "account", "platform", "bulk-enable-platform",
    "notifications", "notification-edit", "project", "unmanaged",
)  # fmt: skip


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")
