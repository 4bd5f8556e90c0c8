"""The audit log: one append-only row per configuration change or request, and who made it."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("audit events are append-only and cannot be updated")

    def delete(self):
        raise TypeError("audit events are append-only and cannot be deleted")


class AuditEvent(models.Model):
    """One change or request, written by the service that made it, never edited afterwards."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text so the log still names the actor after the user is deleted; commands and
    # jobs acting on nobody's behalf are "system".
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=64, help_text='"<object type>.<verb>", e.g. user.create')
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    remark = models.TextField(blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["actor_name", "created_at"], name="audit_actor"),
            models.Index(fields=["action", "created_at"], name="audit_action"),
        ]
        permissions = [("export_auditevent", "Can export the audit log as CSV")]

    def __str__(self) -> str:
        when = f"{self.created_at:%Y-%m-%d %H:%M:%S}"
        return f"{when} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("audit events are append-only and cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("audit events are append-only and cannot be deleted")
