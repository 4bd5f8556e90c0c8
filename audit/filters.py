"""The audit log's filters, declared once: the list page and its CSV export read the same
parameters the same way. Most are an exact value, which the indexes serve; the object's name
(a part of it, any case) and the changed field are searched."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.validators import RegexValidator

from meshaws_site.history import HistoryFilterSet

from .models import AuditEvent
from .selectors import audit_events_changing

# A field of an event's object as its diff names it: `region`, or `identityCenter.region` for
# a field of a nested record (keys as the records spell them).
FIELD_PATH = RegexValidator(
    r"\A[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*){0,4}\Z",
    "use letters, digits, _ and -, with a dot between nested fields (e.g. identityCenter.region)",
)


def _text(placeholder: str) -> forms.TextInput:
    return forms.TextInput(attrs={"placeholder": placeholder})


class AuditEventFilter(HistoryFilterSet):
    """Events by actor, object, action and the days they were recorded."""

    actor = django_filters.CharFilter(
        field_name="actor_name", max_length=150, label="Actor",
        widget=_text("username or system"),
    )  # fmt: skip
    object_type = django_filters.CharFilter(
        max_length=64, label="Object type", widget=_text("e.g. platform")
    )
    object_id = django_filters.CharFilter(max_length=64, label="Object id", widget=_text("e.g. 12"))
    action = django_filters.CharFilter(
        max_length=64, label="Action", widget=_text("e.g. platform.update")
    )
    object_name = django_filters.CharFilter(
        field_name="object_repr", lookup_expr="icontains", max_length=200, label="Object name",
        widget=_text("part of it, e.g. acme.web"),
    )  # fmt: skip
    changed_field = django_filters.CharFilter(
        method="changing", max_length=200, label="Changed field", validators=[FIELD_PATH],
        widget=_text("e.g. display_name"),
    )  # fmt: skip

    class Meta(HistoryFilterSet.Meta):
        model = AuditEvent
        fields = ["actor", "object_type", "object_id", "action", "object_name", "changed_field"]

    def changing(self, queryset, name, value):
        """Events whose object's field `value` was added, removed or changed."""
        return audit_events_changing(queryset, value)
