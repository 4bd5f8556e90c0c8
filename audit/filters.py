"""The audit log's filters, declared once: the list page and its CSV export read the same
parameters the same way. Every one is an exact value, which the indexes serve."""

from __future__ import annotations

import django_filters
from django import forms

from meshaws_site.history import HistoryFilterSet

from .models import AuditEvent


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

    class Meta(HistoryFilterSet.Meta):
        model = AuditEvent
        fields = ["actor", "object_type", "object_id", "action"]
