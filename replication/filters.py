"""The run history's filters, declared once: the runs page, its CSV export and the API's
`/api/v1/runs/` read the same parameters the same way."""

from __future__ import annotations

import django_filters
from django import forms

from accounts.filters import PlatformFilter
from meshaws_site.history import HistoryFilterSet

from .models import ReplicationRun, UnmanagedAccount


class ReplicationRunFilter(HistoryFilterSet):
    """Runs by status, trigger, platform, account, requester, batch and the days they were
    created."""

    status = django_filters.ChoiceFilter(
        choices=ReplicationRun.Status.choices, empty_label="any status"
    )
    trigger = django_filters.ChoiceFilter(
        choices=ReplicationRun.Trigger.choices, empty_label="any trigger"
    )
    platform = PlatformFilter(field_name="account__platform")
    account = django_filters.NumberFilter(
        field_name="account__id", label="Account id", help_text="project account id"
    )
    requested_by = django_filters.CharFilter(
        field_name="requested_by__username", max_length=150, label="Requested by",
        help_text="username of who asked for the run",
        widget=forms.TextInput(attrs={"placeholder": "username"}),
    )  # fmt: skip
    batch = django_filters.UUIDFilter(
        field_name="batches", label="Batch", help_text="the runs of one re-sync batch (its id)"
    )

    class Meta(HistoryFilterSet.Meta):
        model = ReplicationRun
        fields = ["status", "trigger", "platform", "account", "requested_by", "batch"]


class UnmanagedAccountFilter(django_filters.FilterSet):
    """Unmanaged accounts by platform, parent (root or OU) and AWS state."""

    platform = PlatformFilter()
    parent = django_filters.CharFilter(
        field_name="parent_id", max_length=68, label="Parent",
        help_text="the root or OU the account is in (r-… or ou-…)",
    )  # fmt: skip
    state = django_filters.CharFilter(
        max_length=32, label="State", help_text="ACTIVE, SUSPENDED, PENDING_CLOSURE or CLOSED"
    )

    class Meta:
        model = UnmanagedAccount
        fields = ["platform", "parent", "state"]
