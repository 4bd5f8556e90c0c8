"""Customers, their projects, who is bound to them, and the AWS account of each project.

The staff roles are Django groups: see roles.py. Identifiers are validated by
platforms/patterns.py through the services, never here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Customer(models.Model):
    """The owner of projects: a team, a business unit (the original's workspace)."""

    identifier = models.CharField(max_length=16, unique=True)
    display_name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["identifier"]

    def __str__(self) -> str:
        return self.identifier


class Project(models.Model):
    """A customer's project; it gets one AWS account per platform it is enabled on."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="projects")
    identifier = models.CharField(max_length=30)
    display_name = models.CharField(max_length=100)
    tags = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["customer__identifier", "identifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "identifier"],
                name="project_identifier_unique_per_customer",
                violation_error_message="the customer has a project with this identifier",
            )
        ]

    def __str__(self) -> str:
        return self.full_identifier

    @property
    def full_identifier(self) -> str:
        """`<customer>.<project>`, the way the API and the account name refer to a project."""
        return f"{self.customer.identifier}.{self.identifier}"


class ProjectRole(models.Model):
    """A role users hold in projects (admin, user, reader, or one an operator added)."""

    identifier = models.CharField(max_length=50, unique=True)
    display_name = models.CharField(max_length=100)
    # Lower ranks are more privileged; lists show roles in this order.
    rank = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["rank", "identifier"]

    def __str__(self) -> str:
        return self.identifier


class Binding(models.Model):
    """A user (an external user id, usually an e-mail) holding a project role on a project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="bindings")
    user = models.CharField(max_length=254)
    role = models.ForeignKey(ProjectRole, on_delete=models.PROTECT, related_name="bindings")
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user"],
                name="binding_one_role_per_user_and_project",
                violation_error_message="the user is already bound to this project",
            )
        ]
        indexes = [models.Index(fields=["user"], name="binding_user")]

    def __str__(self) -> str:
        return f"{self.user} as {self.role} on {self.project}"


class ProjectAccount(models.Model):
    """One project on one platform: one AWS member account, frozen names and its state."""

    class Status(models.TextChoices):
        """How the account's replication stands, as operators need to tell it apart."""

        # A run is waiting for a worker, or for a creation slot (the platform's gate is full).
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        # AWS is still working: a creation, an Identity Center assignment, a StackSet.
        WAITING_FOR_AWS = "waiting_for_aws", "waiting for AWS"
        # A transient error: the run tries again at `next_attempt_at`.
        RETRYING = "retrying", "retrying"
        # Needs a person: `status_message` says why.
        FAILED = "failed", "failed"
        READY = "ready", "ready"
        # The last run succeeded but left AWS different from the configuration somewhere.
        READY_WITH_WARNINGS = "ready_with_warnings", "ready with warnings"

    class Lifecycle(models.TextChoices):
        """Where the account stands in its life, beside how its last run went (`status`)."""

        ACTIVE = "active", "active"
        # An operator asked to retire it; another must approve (unless the zone approves at once).
        DELETION_REQUESTED = "deletion_requested", "deletion requested"
        # Approved: a retirement run revokes access, untags, moves and maybe closes it.
        RETIRING = "retiring", "retiring"
        # Retired: kept forever with its AWS account id and history.
        DELETED = "deleted", "deleted"
        # No longer managed, without any AWS call; the AWS account is left as it is.
        DETACHED = "detached", "detached"

    # Managed: meshaws replicates it (the others are over, `deleted_at` set).
    MANAGED = (Lifecycle.ACTIVE, Lifecycle.DELETION_REQUESTED, Lifecycle.RETIRING)

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="accounts")
    platform = models.ForeignKey(
        "platforms.PlatformInstance", on_delete=models.PROTECT, related_name="project_accounts"
    )
    landing_zone = models.ForeignKey(
        "platforms.LandingZone", on_delete=models.PROTECT, related_name="project_accounts"
    )
    # Frozen when the account is created: AWS keeps an account's e-mail forever.
    email = models.CharField(max_length=64)
    name = models.CharField(max_length=50)
    alias = models.CharField(max_length=63, blank=True)
    tenant_platform_number = models.PositiveIntegerField()
    # Filled by replication (or given when an existing AWS account is adopted).
    # NULL, not "": many accounts have no id yet, and the unique constraint must allow that.
    aws_account_id = models.CharField(max_length=12, null=True, blank=True)  # noqa: DJ001
    create_request_id = models.CharField(max_length=100, blank=True)
    # When CreateAccount was called (or the request adopted): status polls are timed from it.
    creation_requested_at = models.DateTimeField(null=True, blank=True)
    # When AWS reported the creation SUCCEEDED: a new account's access grace counts from it.
    # Empty for adopted accounts, which get no grace.
    creation_succeeded_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.QUEUED)
    # The error of a retrying or failed account, or what a queued or waiting one waits for.
    status_message = models.TextField(blank=True)
    # When a retrying or waiting account's run is due again.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Steps of the last finished run that left AWS different from the configuration.
    warnings = models.PositiveSmallIntegerField(default=0)
    # What the steps last read in AWS (alias, parent_id, ou, tags, name), to show beside
    # what the configuration wants where they differ.
    actual = models.JSONField(default=dict, blank=True)
    # Any change a page shows: live pages compare it to answer "nothing changed" cheaply.
    updated_at = models.DateTimeField(default=timezone.now)
    last_run_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    lifecycle = models.CharField(max_length=20, choices=Lifecycle.choices, default=Lifecycle.ACTIVE)
    # Deleted (or detached) accounts stay, so that their AWS account id and e-mail are never
    # reused; set exactly when the lifecycle is deleted or detached.
    deleted_at = models.DateTimeField(null=True, blank=True)
    # An operator released the AWS account id of a deleted or detached account: it may be
    # adopted again (by another project account); this row keeps it as history.
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project__customer__identifier", "project__identifier", "platform_id"]
        permissions = [
            ("resync", "Can request a re-sync of project accounts"),
            ("request_deletion", "Can request the retirement of project accounts"),
            ("approve_deletion", "Can approve or decline the retirement of project accounts"),
            ("detach", "Can detach project accounts (stop managing them, no AWS call)"),
            ("release", "Can release the AWS account id of a deleted project account"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "platform"],
                condition=Q(deleted_at__isnull=True),
                name="project_account_one_per_project_and_platform",
                violation_error_message="the project already has an account on this platform",
            ),
            models.UniqueConstraint(
                fields=["aws_account_id"],
                condition=Q(aws_account_id__isnull=False, released_at__isnull=True),
                name="project_account_aws_account_id_used_once",
                violation_error_message="this AWS account id belongs to another project account",
            ),
            models.UniqueConstraint(
                fields=["platform", "tenant_platform_number"],
                name="project_account_tenant_number_unique_per_platform",
            ),
        ]
        indexes = [
            models.Index(fields=["status"], name="project_account_status"),
            models.Index(fields=["email"], name="project_account_email"),
            models.Index(fields=["lifecycle"], name="project_account_lifecycle"),
            models.Index(fields=["updated_at"], name="project_account_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.project.full_identifier} on {self.platform.full_identifier}"

    @property
    def differences(self) -> list[Difference]:
        """Where AWS, as the last run read it, differs from what the configuration wants."""
        found = []
        for name, label in OBSERVED_FIELDS:
            seen = (self.actual or {}).get(name)
            if not isinstance(seen, dict) or seen.get("actual") == seen.get("wanted"):
                continue
            actual, wanted = seen.get("actual"), seen.get("wanted")
            if isinstance(actual, dict) and isinstance(wanted, dict):
                keys = sorted(k for k in {*actual, *wanted} if actual.get(k) != wanted.get(k))
                actual = ", ".join(f"{k}={actual[k]}" for k in keys if k in actual) or "—"
                wanted = ", ".join(f"{k}={wanted[k]}" for k in keys if k in wanted) or "—"
            found.append(Difference(name, label, str(actual or "—"), str(wanted or "—")))
        return found


@dataclass(frozen=True)
class Difference:
    """One field where AWS differs from the configuration: its name, label and both values."""

    field: str
    label: str
    actual: str
    wanted: str


# What the steps read back from AWS (ReplicationStep's RunContext.observe), in page order.
OBSERVED_FIELDS = (("name", "name"), ("alias", "alias"), ("ou", "OU"), ("tags", "tags"))


class AccountRetirement(models.Model):
    """A request to retire a project account, and the decision on it (four eyes)."""

    class Decision(models.TextChoices):
        PENDING = "pending", "requires approval"
        APPROVED = "approved", "approved"
        DECLINED = "declined", "declined"

    account = models.ForeignKey(
        ProjectAccount, on_delete=models.PROTECT, related_name="retirements"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    requested_at = models.DateTimeField(default=timezone.now)
    comment = models.CharField(max_length=255)
    # The account's lifecycle before the request: a decline returns it there.
    previous_lifecycle = models.CharField(max_length=20, default=ProjectAccount.Lifecycle.ACTIVE)
    decision = models.CharField(max_length=16, choices=Decision.choices, default=Decision.PENDING)
    # None with `automatic`: the landing zone's automateDeletionApproval approved it.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.CharField(max_length=255, blank=True)
    automatic = models.BooleanField(default=False)
    # When the retirement run ended and the account became deleted.
    completed_at = models.DateTimeField(null=True, blank=True)
    # Any change the retirement queue shows (live pages compare it).
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(decision="pending"),
                name="account_retirement_one_pending_per_account",
                violation_error_message="the account already has a retirement request",
            )
        ]
        indexes = [
            models.Index(fields=["decision", "requested_at"], name="retirement_queue"),
            models.Index(fields=["updated_at"], name="retirement_updated"),
        ]

    def __str__(self) -> str:
        return f"retirement of {self.account_id} ({self.decision})"
