"""`{{ value|state_label }}`: a state's words for people (`waiting for AWS`), where a template has
only the stored value (an annotation, a dict key); the API keeps the values."""

from django import template

from accounts.models import ProjectAccount
from replication.models import DiscoveryScan, ReplicationRun, ReplicationStep

register = template.Library()

# Enums whose shared values have the same label (`failed` is `failed` in each of them).
LABELS = {
    str(value): str(label)
    for enum in (
        ProjectAccount.Status,
        ProjectAccount.Lifecycle,
        ReplicationRun.Status,
        ReplicationStep.Status,
        DiscoveryScan.Status,
    )
    for value, label in enum.choices
}


@register.filter
def state_label(value) -> str:
    """The label of a status, lifecycle or step value; an unknown one with spaces for `_`."""
    if value is None or value == "":
        return ""
    return LABELS.get(str(value), str(value).replace("_", " "))
