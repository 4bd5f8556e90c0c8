"""The replication history: runs, their steps, and batches of runs.

The tables keep their first names (accounts_replication*): the models moved here from the
accounts app without moving a row (migration replication 0001).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts import signals as account_signals
from accounts.models import Project, ProjectAccount


# At module level so that ReplicationRun.Meta can name its members (a nested class does not
# see its enclosing class's names); read it as ReplicationRun.Status.
class RunStatus(models.TextChoices):
    """Where a run stands: pending, running, waiting (parked for its next attempt), or over."""

    PENDING = "pending", "pending"
    RUNNING = "running", "running"
    WAITING = "waiting", "waiting"
    SUCCEEDED = "succeeded", "succeeded"
    FAILED = "failed", "failed"


# An active run's account shows one of these only before the run has moved it.
SETTLED_ACCOUNT_STATUSES = (
    ProjectAccount.Status.FAILED,
    ProjectAccount.Status.READY,
    ProjectAccount.Status.READY_WITH_WARNINGS,
)


class ReplicationRun(models.Model):
    """One attempt to make AWS match one project account's desired state; never edited by users."""

    Status = RunStatus

    class Trigger(models.TextChoices):
        ACCOUNT_CREATED = account_signals.ACCOUNT_CREATED, "account created"
        CONFIGURATION_CHANGED = "configuration_changed", "configuration changed"
        BINDINGS_CHANGED = account_signals.BINDINGS_CHANGED, "bindings changed"
        PROJECT_CHANGED = account_signals.PROJECT_CHANGED, "project changed"
        BINDING_EXPIRED = account_signals.BINDING_EXPIRED, "binding expired"
        DELETION_APPROVED = account_signals.DELETION_APPROVED, "retirement approved"
        RESYNC = "resync", "re-sync requested"
        SCHEDULE = "schedule", "daily schedule"
        COMMAND = "command", "manage.py replicate"

    class Purpose(models.TextChoices):
        """What the run's steps do: make AWS match the configuration, or retire the account."""

        CONVERGE = "converge", "replication"
        RETIRE = "retire", "retirement"

    ACTIVE = (Status.PENDING, Status.RUNNING, Status.WAITING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(ProjectAccount, on_delete=models.PROTECT, related_name="runs")
    trigger = models.CharField(max_length=32, choices=Trigger.choices)
    purpose = models.CharField(max_length=16, choices=Purpose.choices, default=Purpose.CONVERGE)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Attempts of this run: transient failures and waits re-run it, each visible in its steps.
    attempt = models.PositiveIntegerField(default=0)
    # Attempts that only found the creation gate full: they never count towards giving up.
    waits_in_line = models.PositiveIntegerField(default=0)
    # Attempts that waited for AWS or an AVM under the wait's own deadline: not counted either.
    timed_waits = models.PositiveIntegerField(default=0)
    # The wait in progress (a step's kind of wait, e.g. "creation") and when the run began it:
    # its deadline counts from then.
    wait_kind = models.CharField(max_length=32, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)
    # When a waiting or retrying run is due again; a sweep re-enqueues overdue ones.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # While running: until when the worker that claimed it may hold it (re-claimed after).
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    error_step = models.CharField(max_length=32, blank=True)
    error_operation = models.CharField(max_length=64, blank=True)
    error_code = models.CharField(max_length=100, blank=True)
    # The configuration change (its audit event) that caused the run, when one did.
    cause = models.ForeignKey(
        "audit.AuditEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Any change the runs list shows: live pages compare it to answer "nothing changed".
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "accounts_replicationrun"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(status__in=[RunStatus.PENDING, RunStatus.RUNNING, RunStatus.WAITING]),
                name="replication_run_one_active_per_account",
                violation_error_message="the account already has a run in progress",
            )
        ]
        indexes = [
            models.Index(fields=["account", "-created_at"], name="run_account_recent"),
            models.Index(fields=["status", "next_attempt_at"], name="run_status_due"),
            # The runs page: keyset pages on (created_at, id), alone or after a filter.
            models.Index(fields=["created_at", "id"], name="run_recent"),
            models.Index(fields=["status", "created_at"], name="run_status_recent"),
            models.Index(fields=["trigger", "created_at"], name="run_trigger_recent"),
            # The dashboard: finished runs per day and each platform's latest failures, read
            # from the index alone in ranges of finished_at.
            models.Index(fields=["status", "finished_at"], name="run_status_finished"),
            models.Index(fields=["updated_at"], name="run_updated"),
        ]

    def __str__(self) -> str:
        return f"run {self.id} of {self.account_id} ({self.status})"

    @property
    def shown_status(self) -> tuple[str, str]:
        """(value, label) the pages show: an active run's is its account's distinct status
        (queued, waiting for AWS, retrying...), a finished run's its own."""
        if self.status in self.ACTIVE and self.account.status not in SETTLED_ACCOUNT_STATUSES:
            return self.account.status, self.account.get_status_display()
        return self.status, self.get_status_display()

    @property
    def shown_status_value(self) -> str:
        return self.shown_status[0]

    @property
    def shown_status_label(self) -> str:
        return self.shown_status[1]

    @property
    def counted_attempts(self) -> int:
        """Attempts that count towards giving up (waits in line or under a deadline do not)."""
        return self.attempt - self.waits_in_line - self.timed_waits


class ReplicationStep(models.Model):
    """One step of one attempt of a run: what it found, what it did, the AWS calls it made."""

    class Status(models.TextChoices):
        OK = "ok", "ok"
        CHANGED = "changed", "changed"
        WAITING = "waiting", "waiting"
        SKIPPED = "skipped", "skipped"
        WARNING = "warning", "warning"
        FAILED = "failed", "failed"

    run = models.ForeignKey(ReplicationRun, on_delete=models.CASCADE, related_name="steps")
    attempt = models.PositiveIntegerField(default=1)
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=Status.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    remark = models.TextField(blank=True)
    # For operators and auditors: what was compared, what changed.
    detail = models.TextField(blank=True)
    aws_calls = models.JSONField(default=list, blank=True)

    class Meta:
        db_table = "accounts_replicationstep"
        ordering = ["run", "attempt", "position"]
        indexes = [models.Index(fields=["run", "attempt", "position"], name="step_run_order")]

    def __str__(self) -> str:
        return f"{self.name}: {self.status}"

    @property
    def icon(self) -> str:
        """The mark the pages show beside the step's status (a glyph, never the only cue)."""
        return STEP_ICONS.get(self.status, "✗")


STEP_ICONS = {
    ReplicationStep.Status.OK: "✓",
    ReplicationStep.Status.CHANGED: "✎",
    ReplicationStep.Status.WAITING: "⏳",
    ReplicationStep.Status.SKIPPED: "↷",
    ReplicationStep.Status.WARNING: "⚠",
    ReplicationStep.Status.FAILED: "✗",
}


class ReplicationBatch(models.Model):
    """A re-sync of many accounts at once (a platform's, or a selection), to follow its progress."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    description = models.CharField(max_length=200)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)
    # New runs and the runs in progress it joined: their statuses are the batch's progress.
    runs = models.ManyToManyField(ReplicationRun, related_name="batches")

    class Meta:
        db_table = "accounts_replicationbatch"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.description


# Identity Center mode: what meshaws made in the identity store and in IAM Identity Center, so
# that a re-sync finds it again without asking AWS about every user.


class IdentityCenterGroup(models.Model):
    """The Identity Center group of one project role of one project on a platform.

    Kept by its GroupId, so that a new group name pattern renames the group in place.
    """

    platform = models.ForeignKey(
        "platforms.PlatformInstance", on_delete=models.CASCADE, related_name="+"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    project_role = models.CharField(max_length=50)
    identity_store_id = models.CharField(max_length=36)
    group_id = models.CharField(max_length=47)
    display_name = models.CharField(max_length=1024)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "project", "project_role"],
                name="identity_center_group_one_per_project_role",
                violation_error_message="the project role already has a group on this platform",
            )
        ]

    def __str__(self) -> str:
        return self.display_name


class IdentityCenterMembership(models.Model):
    """A user meshaws keeps in one of its groups, present when last seen."""

    group = models.ForeignKey(
        IdentityCenterGroup, on_delete=models.CASCADE, related_name="memberships"
    )
    user_name = models.CharField(max_length=254)
    user_id = models.CharField(max_length=47)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user_name"],
                name="identity_center_membership_once_per_user",
                violation_error_message="the user is a member of this group already",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_name} in {self.group_id}"


class IdentityCenterUser(models.Model):
    """An identity store's UserId for a user name (GetUserId's answer), until it fails."""

    identity_store_id = models.CharField(max_length=36)
    user_name = models.CharField(max_length=254)
    user_id = models.CharField(max_length=47)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["identity_store_id", "user_name"],
                name="identity_center_user_once_per_store",
                violation_error_message="the identity store has this user name already",
            )
        ]

    def __str__(self) -> str:
        return self.user_name


class IdentityCenterAssignment(models.Model):
    """An account assignment (a group, a permission set, the account) meshaws asked AWS for.

    Written before the request, so that a crash never loses track of one; `request_id` is the
    creation or deletion AWS is still working on, polled by the next attempt.
    """

    class State(models.TextChoices):
        CREATING = "creating", "creating"
        PRESENT = "present", "present"
        DELETING = "deleting", "deleting"

    account = models.ForeignKey(
        ProjectAccount, on_delete=models.CASCADE, related_name="identity_center_assignments"
    )
    group_id = models.CharField(max_length=47)
    permission_set_arn = models.CharField(max_length=1224)
    state = models.CharField(max_length=16, choices=State.choices)
    request_id = models.CharField(max_length=36, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "group_id", "permission_set_arn"],
                name="identity_center_assignment_once",
                violation_error_message="the group has this permission set on the account already",
            )
        ]

    def __str__(self) -> str:
        return f"{self.group_id} → {self.permission_set_arn} ({self.state})"


class LeftBehindResource(models.Model):
    """A resource the platform's earlier access mode made for an account, which meshaws no
    longer manages and never deletes: recorded when the platform left that mode, forgotten
    when it comes back to it and the steps manage the resource again."""

    class Mode(models.TextChoices):
        # PlatformInstance.AccessMode's values, but none: a mode that made something.
        SAML = "saml", "SAML identity provider"
        IDENTITY_CENTER = "identity_center", "IAM Identity Center"

    class Kind(models.TextChoices):
        SAML_PROVIDER = "saml_provider", "SAML provider"
        IAM_ROLE = "iam_role", "IAM role"
        GROUP = "group", "Identity Center group"
        ASSIGNMENT = "assignment", "account assignment"

    account = models.ForeignKey(
        ProjectAccount, on_delete=models.CASCADE, related_name="left_behind"
    )
    mode = models.CharField(max_length=16, choices=Mode.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # The provider's or role's name; the group's display name (also of an assignment's group).
    name = models.CharField(max_length=1024)
    # The provider's or role's ARN in the account; an assignment's permission set ARN.
    arn = models.CharField(max_length=2048, blank=True)
    # A group's id, or an assignment's group's: what DeleteGroup and DeleteAccountAssignment take.
    group_id = models.CharField(max_length=47, blank=True)
    detail = models.TextField(blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["account", "mode", "kind", "name", "arn"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "kind", "name", "arn"],
                name="left_behind_resource_once",
                violation_error_message="the account has this resource left behind already",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name} of {self.account_id}"


class UnmanagedAccount(models.Model):
    """An AWS account of a platform's organization that no live project account manages, as
    the last discovery saw it; the row goes when the account is managed or leaves."""

    platform = models.ForeignKey(
        "platforms.PlatformInstance", on_delete=models.CASCADE, related_name="unmanaged_accounts"
    )
    aws_account_id = models.CharField(max_length=12)
    name = models.CharField(max_length=50, blank=True)
    email = models.CharField(max_length=64, blank=True)
    # The root or OU the account is in (r-… or ou-…), as ListParents answers.
    parent_id = models.CharField(max_length=68, blank=True)
    # AWS's State (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED), or its older Status.
    state = models.CharField(max_length=32, blank=True)
    tags = models.JSONField(default=dict)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ["platform", "aws_account_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "aws_account_id"],
                name="unmanaged_account_once_per_platform",
                violation_error_message="this AWS account is listed on the platform already",
            )
        ]

    def __str__(self) -> str:
        return f"{self.aws_account_id} ({self.name}) on platform {self.platform_id}"


class DiscoveryScan(models.Model):
    """One scan of a platform's organization for unmanaged accounts, run by a job; its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    platform = models.ForeignKey(
        "platforms.PlatformInstance", on_delete=models.CASCADE, related_name="discovery_scans"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Progress: accounts listed so far, and of those, how many were read in full (parent, tags).
    accounts_listed = models.PositiveIntegerField(default=0)
    accounts_read = models.PositiveIntegerField(default=0)
    unmanaged_found = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform"],
                condition=Q(status__in=["queued", "running"]),
                name="discovery_scan_one_active_per_platform",
                violation_error_message="a scan of this platform is in progress",
            )
        ]

    def __str__(self) -> str:
        return f"discovery scan {self.id} of platform {self.platform_id} ({self.status})"
