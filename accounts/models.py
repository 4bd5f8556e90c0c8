"""Customers, their projects, who is bound to them, and the AWS account of each project.

The staff roles are Django groups: see roles.py. Identifiers are validated by
platforms/patterns.py through the services, never here.
"""

from django.db import models
from django.db.models import Q


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
        PENDING = "pending", "pending"
        IN_PROGRESS = "in_progress", "in progress"
        WAITING = "waiting", "waiting"
        READY = "ready", "ready"
        FAILED = "failed", "failed"

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
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    last_run_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Deleted accounts stay, so that their AWS account id and e-mail are never reused.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project__customer__identifier", "project__identifier", "platform_id"]
        permissions = [("resync", "Can request a re-sync of project accounts")]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "platform"],
                condition=Q(deleted_at__isnull=True),
                name="project_account_one_per_project_and_platform",
                violation_error_message="the project already has an account on this platform",
            ),
            models.UniqueConstraint(
                fields=["aws_account_id"],
                condition=Q(aws_account_id__isnull=False),
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
        ]

    def __str__(self) -> str:
        return f"{self.project.full_identifier} on {self.platform.full_identifier}"
