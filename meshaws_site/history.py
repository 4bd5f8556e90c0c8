"""What the history lists (runs, audit log) share: keyset pages, the date filters, the streamed
CSV export, and the one declaration that makes a list's page and export views from its FilterSet.

Keyset pagination on (created_at, id), newest first: OFFSET makes the database walk past
every skipped row, so page 20,000 of the run history would scan a million rows; a cursor
names the last row shown and the next page starts right after it, through the index.
"""

from __future__ import annotations

import base64
import binascii
import csv
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import django_filters
from django import forms
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpResponse, HttpResponseBadRequest, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .api import bound_filters

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


DATE_INPUT = forms.DateInput(attrs={"type": "date"})
DATE_FILTERS = ("created_from", "created_to")


class DateRangeForm(forms.Form):
    """The form of a history list's filters: the "created from / to" days in order, shown last."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields([name for name in self.fields if name not in DATE_FILTERS])

    def clean(self):
        data = super().clean()
        start, end = data.get("created_from"), data.get("created_to")
        # On the end date, so that the API's 400 names a parameter, as it does for any filter.
        if start and end and start > end:
            self.add_error("created_to", "the start date is after the end date")
        elif end == date.max:
            self.add_error("created_to", "too far in the future")
        return data


class HistoryFilterSet(django_filters.FilterSet):
    """Filters of a history list: whole days of `created_at` in the site's time zone, both
    included; a subclass adds its own filters and extends `Meta` (which carries the form)."""

    created_from = django_filters.DateFilter(
        method="created_on_or_after", label="Created from", widget=DATE_INPUT,
        help_text="first day (YYYY-MM-DD), included",
    )  # fmt: skip
    created_to = django_filters.DateFilter(
        method="created_up_to", label="Created to", widget=DATE_INPUT,
        help_text="last day (YYYY-MM-DD), included",
    )  # fmt: skip

    class Meta:
        form = DateRangeForm

    def created_on_or_after(self, queryset, name, value):
        """Rows created on the day `value` or later."""
        return queryset.filter(created_at__gte=_day_start(value))

    def created_up_to(self, queryset, name, value):
        """Rows created on the day `value` or earlier."""
        return queryset.filter(created_at__lt=_day_start(value + timedelta(days=1)))


def _day_start(day: date) -> datetime:
    # Whole days in the site's time zone; comparing times (not `__date`) keeps the index usable.
    return timezone.make_aware(datetime.combine(day, time.min))


def filter_query(form: forms.Form) -> str:
    """The filters given, as a query string without the page cursor (for export links)."""
    given = form.data.copy()
    for name in list(given):
        if name not in form.fields or not given.get(name):
            given.pop(name)
    return given.urlencode()


# --- the CSV export ---------------------------------------------------------------------------

# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def csv_cell(value) -> str:
    """`value` as CSV text: JSON for structures, ISO 8601 for times, formulas defused."""
    if isinstance(value, dict | list):
        value = json.dumps(value, sort_keys=True)
    elif isinstance(value, datetime):
        value = value.isoformat()
    text = "" if value is None else str(value)
    if text[:1] in FORMULA_STARTS:
        text = "'" + text
    return text


def csv_response(
    name: str, header: Sequence[str], rows: Iterable[Sequence]
) -> StreamingHttpResponse:
    """A CSV download named `meshaws-<name>-<time>.csv`, written while `rows` is iterated."""
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([csv_cell(value) for value in row])

    filename = f"meshaws-{name}-{timezone.now():%Y%m%d-%H%M%S}.csv"
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- one list, two views ----------------------------------------------------------------------


class HistoryList:
    """A history list declared once: its FilterSet filters both the keyset page (`page`) and the
    CSV export (`export`), so that a parameter means the same rows in both (and in the API that
    uses the same FilterSet)."""

    def __init__(
        self,
        *,
        filterset: type[django_filters.FilterSet],
        rows: Callable[[], QuerySet],
        template: str,
        permission: str,
        export_permission: str,
        csv_name: str,
        csv_header: Sequence[str],
        csv_fields: Sequence[str],
        csv_rows: Callable[[Iterable[tuple]], Iterable[Sequence]] = iter,
        page_columns: Sequence[str] = (),
        page_context: Callable[[KeysetPage], dict] | None = None,
        page_size: int = 50,
    ):
        self.filterset, self.rows, self.template = filterset, rows, template
        self.csv_name, self.csv_header = csv_name, csv_header
        self.csv_fields, self.csv_rows = csv_fields, csv_rows
        self.page_columns, self.page_size = page_columns, page_size
        self.page_context = page_context or (lambda page: {})
        self.page = permission_required(permission, raise_exception=True)(require_GET(self._page))
        self.export = permission_required(export_permission, raise_exception=True)(
            require_GET(self._export)
        )

    def _page(self, request) -> HttpResponse:
        """The filtered rows, newest first, one keyset page at a time (400 for bad filters)."""
        filters = bound_filters(self.filterset, request.GET, self.rows())
        if not filters.is_valid():
            context = {"form": filters.form, "page": None}
            return render(request, self.template, context, status=400)
        rows = filters.qs.only(*self.page_columns) if self.page_columns else filters.qs
        page = keyset_page(rows, request.GET, size=self.page_size)
        context = {"form": filters.form, "page": page, "export_query": filter_query(filters.form)}
        return render(request, self.template, context | self.page_context(page))

    def _export(self, request) -> HttpResponse:
        """The filtered rows as CSV, read as plain tuples in chunks while the response streams."""
        filters = bound_filters(self.filterset, request.GET, self.rows())
        if not filters.is_valid():
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in filters.errors.items())
            return HttpResponseBadRequest(
                "invalid filters: " + problems, content_type="text/plain; charset=utf-8"
            )
        rows = filters.qs.order_by("-created_at", "-pk").values_list(*self.csv_fields)
        rows = rows.iterator(chunk_size=2000)
        return csv_response(self.csv_name, self.csv_header, self.csv_rows(rows))
