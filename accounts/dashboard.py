"""Reads for the dashboard: account states, runs in flight, latest failures, runs per day.

Each read is one aggregate query whatever the number of accounts and runs, so the dashboard
costs the same with ten accounts or ten thousand.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Window
from django.db.models.functions import Coalesce, RowNumber, TruncDate
from django.utils import timezone

from platforms.models import PlatformInstance

from .models import ProjectAccount, ReplicationRun

FAILURES_PER_PLATFORM = 5
CHART_DAYS = 30


@dataclass(frozen=True)
class Failure:
    """A failed run, reduced to the one line the dashboard shows."""

    run_id: str
    account_id: int
    account: str
    finished_at: datetime.datetime | None
    error_step: str
    error_code: str
    error_line: str


@dataclass
class PlatformSummary:
    """One platform's card: accounts per status, runs in flight, latest failures."""

    platform: PlatformInstance
    accounts: dict[str, int]
    in_flight: dict[str, int]
    failures: list[Failure] = field(default_factory=list)

    @property
    def account_total(self) -> int:
        """Live accounts on the platform."""
        return sum(self.accounts.values())

    @property
    def in_flight_total(self) -> int:
        """Runs pending, running or waiting on the platform."""
        return sum(self.in_flight.values())

    @property
    def account_rows(self) -> list[tuple[str, str, int]]:
        """(status, label, count) for every account status, in lifecycle order."""
        return [(s.value, s.label, self.accounts[s.value]) for s in ProjectAccount.Status]

    @property
    def in_flight_rows(self) -> list[tuple[str, str, int]]:
        """(status, label, count) for every status of a run in flight."""
        labels = dict(ReplicationRun.Status.choices)
        return [(str(s), labels[s], self.in_flight[str(s)]) for s in ReplicationRun.ACTIVE]


def account_counts_by_platform() -> dict[int, dict[str, int]]:
    """Live project accounts per platform id and status (statuses without accounts count 0)."""
    counts: dict[int, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(ProjectAccount.Status.values, 0)
    )
    rows = (
        ProjectAccount.objects.filter(deleted_at__isnull=True)
        .order_by()
        .values_list("platform_id", "status")
        .annotate(count=Count("pk"))
    )
    for platform_id, status, count in rows:
        counts[platform_id][status] = count
    return counts


def runs_in_flight_by_platform() -> dict[int, dict[str, int]]:
    """Runs pending, running or waiting per platform id and status."""
    counts: dict[int, dict[str, int]] = defaultdict(
        lambda: {str(status): 0 for status in ReplicationRun.ACTIVE}
    )
    rows = (
        ReplicationRun.objects.filter(status__in=ReplicationRun.ACTIVE)
        .order_by()
        .values_list("account__platform_id", "status")
        .annotate(count=Count("pk"))
    )
    for platform_id, status, count in rows:
        counts[platform_id][status] = count
    return counts


def latest_failures_by_platform(
    per_platform: int = FAILURES_PER_PLATFORM,
) -> dict[int, list[Failure]]:
    """The `per_platform` most recent failed runs of each platform, newest first."""
    # One query for all platforms: rank the failures within each platform and keep the top
    # ones, so a platform with many failures cannot push the others' off the dashboard.
    newest_first = [F("finished_at").desc(nulls_last=True), F("created_at").desc()]
    runs = (
        ReplicationRun.objects.filter(status=ReplicationRun.Status.FAILED)
        .annotate(
            rank=Window(RowNumber(), partition_by=F("account__platform_id"), order_by=newest_first)
        )
        .filter(rank__lte=per_platform)
        .select_related("account__project__customer")
        .order_by("account__platform_id", *newest_first)
    )
    failures: dict[int, list[Failure]] = defaultdict(list)
    for run in runs:
        failures[run.account.platform_id].append(
            Failure(
                run_id=str(run.pk),
                account_id=run.account_id,
                account=run.account.project.full_identifier,
                finished_at=run.finished_at,
                error_step=run.error_step,
                error_code=run.error_code,
                error_line=first_line(run.error),
            )
        )
    return failures


def platform_summaries() -> list[PlatformSummary]:
    """Every platform with its account states, runs in flight and latest failures."""
    accounts = account_counts_by_platform()
    in_flight = runs_in_flight_by_platform()
    failures = latest_failures_by_platform()
    return [
        PlatformSummary(
            platform=platform,
            accounts=accounts[platform.pk],
            in_flight=in_flight[platform.pk],
            failures=failures.get(platform.pk, []),
        )
        for platform in PlatformInstance.objects.select_related("location").order_by(
            "location__identifier", "identifier"
        )
    ]


def first_line(text: str) -> str:
    """The first non-blank line of `text`, stripped ("" when there is none)."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


@dataclass(frozen=True)
class DayRuns:
    """Finished runs of one day."""

    day: datetime.date
    succeeded: int
    failed: int

    @property
    def total(self) -> int:
        """Succeeded plus failed runs."""
        return self.succeeded + self.failed


def runs_per_day(days: int = CHART_DAYS, today: datetime.date | None = None) -> list[DayRuns]:
    """Succeeded and failed runs per day (by end time) for the `days` days up to today."""
    today = today or timezone.localdate()
    first_day = today - datetime.timedelta(days=days - 1)
    start = timezone.make_aware(datetime.datetime.combine(first_day, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min)
    )
    succeeded, failed = ReplicationRun.Status.SUCCEEDED, ReplicationRun.Status.FAILED
    rows = (
        ReplicationRun.objects.filter(status__in=(succeeded, failed))
        # A finished run without an end time (none should exist) counts on its creation day.
        .annotate(ended_at=Coalesce("finished_at", "created_at"))
        .filter(ended_at__gte=start, ended_at__lt=end)
        .annotate(day=TruncDate("ended_at"))
        .order_by()
        .values("day")
        .annotate(
            succeeded=Count("pk", filter=Q(status=succeeded)),
            failed=Count("pk", filter=Q(status=failed)),
        )
    )
    by_day = {row["day"]: row for row in rows}
    result = []
    for offset in range(days):
        day = first_day + datetime.timedelta(days=offset)
        row = by_day.get(day, {"succeeded": 0, "failed": 0})
        result.append(DayRuns(day=day, succeeded=row["succeeded"], failed=row["failed"]))
    return result


# Geometry of the runs chart, in SVG user units (the SVG scales to the page width).
CHART_LEFT, CHART_TOP, CHART_PLOT_HEIGHT, CHART_BOTTOM = 40, 28, 150, 36
CHART_SLOT, CHART_BAR = 20, 14


@dataclass(frozen=True)
class ChartBar:
    """One day's stacked bar: the succeeded part below, the failed part on top."""

    day: datetime.date
    succeeded: int
    failed: int
    x: float
    center: float
    succeeded_y: float
    succeeded_height: float
    failed_y: float
    failed_height: float
    label: bool


@dataclass(frozen=True)
class RunsChart:
    """What the SVG template draws: bars, the y scale and the overall size."""

    bars: list[ChartBar]
    y_max: int
    y_ticks: list[tuple[int, float]]
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    bar_width: int
    first_day: datetime.date
    last_day: datetime.date
    succeeded: int
    failed: int
    timezone: str


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that is at least `value` (1 for 0)."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10


def runs_chart(days: list[DayRuns]) -> RunsChart:
    """Lay out `days` as stacked bars on a scale from 0 to a round maximum."""
    y_max = nice_ceiling(max((day.total for day in days), default=0))
    plot_bottom = CHART_TOP + CHART_PLOT_HEIGHT

    def height(count: int) -> float:
        return round(count * CHART_PLOT_HEIGHT / y_max, 2)

    bars = []
    for index, day in enumerate(days):
        succeeded_height, failed_height = height(day.succeeded), height(day.failed)
        x = CHART_LEFT + index * CHART_SLOT + (CHART_SLOT - CHART_BAR) / 2
        bars.append(
            ChartBar(
                day=day.day, succeeded=day.succeeded, failed=day.failed,
                x=x, center=x + CHART_BAR / 2,
                succeeded_y=round(plot_bottom - succeeded_height, 2),
                succeeded_height=succeeded_height,
                failed_y=round(plot_bottom - succeeded_height - failed_height, 2),
                failed_height=failed_height,
                # A date under every 7th bar counted back from today, so the last one is labelled.
                label=(len(days) - 1 - index) % 7 == 0,
            )
        )  # fmt: skip
    tick_values = [0, y_max // 2, y_max] if y_max % 2 == 0 else [0, y_max]
    return RunsChart(
        bars=bars,
        y_max=y_max,
        y_ticks=[(value, round(plot_bottom - height(value), 2)) for value in tick_values],
        width=CHART_LEFT + len(days) * CHART_SLOT + 10,
        height=plot_bottom + CHART_BOTTOM,
        plot_left=CHART_LEFT,
        plot_right=CHART_LEFT + len(days) * CHART_SLOT,
        plot_top=CHART_TOP,
        plot_bottom=plot_bottom,
        bar_width=CHART_BAR,
        first_day=days[0].day if days else timezone.localdate(),
        last_day=days[-1].day if days else timezone.localdate(),
        succeeded=sum(day.succeeded for day in days),
        failed=sum(day.failed for day in days),
        timezone=timezone.get_current_timezone_name(),
    )
