"""Template context: the run statuses, so templates compare with the enum, not a string."""

from replication.models import ReplicationRun


def statuses(request) -> dict:
    """`RunStatus` in every template (Django's Choices are never called by the templates)."""
    return {"RunStatus": ReplicationRun.Status}
