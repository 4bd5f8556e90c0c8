"""Streamed CSV exports for auditors: row by row, with spreadsheet formulas defused."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.http import StreamingHttpResponse
from django.utils import timezone

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
