"""What the history pages (runs, audit log) share: keyset pagination and the date filter.

Keyset pagination on (created_at, id), newest first: OFFSET makes the database walk past
every skipped row, so page 20,000 of the run history would scan a million rows; a cursor
names the last row shown and the next page starts right after it, through the index.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

OLDER, NEWER = "after", "before"


@dataclass(frozen=True)
class KeysetPage:
    """One page of rows and the query strings of its neighbours ("" where there is none)."""

    rows: list
    older: str
    newer: str


def cursor_of(row) -> str:
    """The opaque cursor naming `row`'s place in the (created_at, id) order."""
    raw = f"{row.created_at.isoformat()}|{row.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _parse(cursor: str, queryset: QuerySet) -> tuple[datetime, Any] | None:
    """The (created_at, pk) a cursor names, or None when it is not one of ours."""
    if not cursor or len(cursor) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _, pk = raw.partition("|")
        created_at = datetime.fromisoformat(when)
        pk = queryset.model._meta.pk.to_python(pk)
    except (ValueError, ValidationError, binascii.Error, UnicodeDecodeError):
        return None
    if created_at.tzinfo is None or pk in (None, ""):
        return None
    return created_at, pk


def _link(params: QueryDict, key: str, row) -> str:
    query = params.copy()
    for name in (OLDER, NEWER):
        query.pop(name, None)
    query[key] = cursor_of(row)
    return "?" + query.urlencode()


def keyset_page(queryset: QuerySet, params: QueryDict, *, size: int) -> KeysetPage:
    """The page of `queryset` that the `after`/`before` cursor in `params` names (first if none).

    One query per page; two when a "newer" link reaches the top (the first page is shown then).
    """
    older_than = _parse(params.get(OLDER, ""), queryset)
    newer_than = None if older_than else _parse(params.get(NEWER, ""), queryset)
    if newer_than is not None:
        created_at, pk = newer_than
        rows = list(
            queryset.filter(Q(created_at__gt=created_at) | Q(created_at=created_at, pk__gt=pk))
            .order_by("created_at", "pk")[: size + 1]
        )  # fmt: skip
        if len(rows) > size:
            rows = rows[:size][::-1]
            return KeysetPage(rows, _link(params, OLDER, rows[-1]), _link(params, NEWER, rows[0]))
        # Back at the top: show the full first page rather than a short one.
    newest_first = queryset.order_by("-created_at", "-pk")
    if older_than is not None:
        created_at, pk = older_than
        newest_first = newest_first.filter(
            Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk)
        )
    rows = list(newest_first[: size + 1])
    has_older = len(rows) > size
    rows = rows[:size]
    older = _link(params, OLDER, rows[-1]) if has_older else ""
    newer = _link(params, NEWER, rows[0]) if older_than is not None and rows else ""
    return KeysetPage(rows, older, newer)


class DateRangeForm(forms.Form):
    """Filters with a "created from / to" pair of dates (whole days, both included)."""

    created_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    created_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            raise ValidationError("the start date is after the end date")
        if end == date.max:
            self.add_error("created_to", "too far in the future")
        return data

    def filter_query(self) -> str:
        """The filters given, as a query string without the page cursor (for export links)."""
        given = self.data.copy()
        for name in list(given):
            if name not in self.fields or not given.get(name):
                given.pop(name)
        return given.urlencode()

    def created_range(self) -> dict[str, datetime | None]:
        """The cleaned dates as `created_from` and (exclusive) `created_before` times."""
        start, end = self.cleaned_data.get("created_from"), self.cleaned_data.get("created_to")
        return {
            "created_from": _day_start(start) if start else None,
            "created_before": _day_start(end + timedelta(days=1)) if end else None,
        }


def _day_start(day) -> datetime:
    # Whole days in the site's time zone; comparing times (not `__date`) keeps the index usable.
    return timezone.make_aware(datetime.combine(day, time.min))
