"""What the fuzz tests check after each example: which rows exist."""

from accounts.models import Binding, Customer, Project, ProjectAccount
from audit.models import AuditEvent
from platforms.models import LandingZone, Location, PlatformInstance, RoleMapping
from replication.models import ReplicationRun

MODELS = (
    Location, PlatformInstance, LandingZone, RoleMapping, Customer, Project, Binding,
    ProjectAccount, ReplicationRun, AuditEvent,
)  # fmt: skip


def row_counts() -> dict[str, int]:
    """The number of rows of every model a request or an import can write."""
    return {model.__name__: model.objects.count() for model in MODELS}
