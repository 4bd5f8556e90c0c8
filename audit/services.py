"""Writing the audit log. Services call `audit_event_create` inside their own transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from .models import AuditEvent

SYSTEM_ACTOR = "system"


def audit_event_create(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    object_type: str,
    object_id: str | int = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    remark: str = "",
) -> AuditEvent:
    """Append one audit event; `actor` None means meshaws itself (a command or a job)."""
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor is not None else SYSTEM_ACTOR,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr[:200],
        before=before,
        after=after,
        remark=remark,
    )
