"""Reads for the dashboard: account states, runs in flight, latest failures, runs per day.

Each read is one query whatever the number of accounts and runs. The two that read the run
history use the (status, finished_at) index: the latest failures walk it down from the newest
until each platform has its few, and runs per day count today's runs (the days before change
no more and are counted once an hour), so the dashboard costs about the same with a year of
history as with a day.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import ProjectAccount
from platforms.models import PlatformInstance

from .models import ReplicationRun

FAILURES_PER_PLATFORM = 5
RECOVERED = (ProjectAccount.Status.READY, ProjectAccount.Status.READY_WITH_WARNINGS)
CHART_DAYS = 30
PAST_DAYS_SECONDS = 3600


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
    # A run since then made the account ready (or it is no longer managed).
    resolved: bool = False


@dataclass(frozen=True)
class Retrying:
    """The newest retrying account of a platform: what went wrong and when it is tried again."""

    account_id: int
    account: str
    message: str
    next_attempt_at: datetime.datetime | None


@dataclass
class PlatformSummary:
    """One platform's card: accounts per status, runs in flight, latest failures."""

    platform: PlatformInstance
    accounts: dict[str, int]
    in_flight: dict[str, int]
    failures: list[Failure] = field(default_factory=list)
    retrying: Retrying | None = None

    @property
    def health(self) -> str:
        """failing (an account needs a person), retrying (amber), or healthy."""
        if self.accounts.get(ProjectAccount.Status.FAILED) or self.failing_now:
            return "failing"
        if self.accounts.get(ProjectAccount.Status.RETRYING):
            return "retrying"
        return "healthy"

    @property
    def failing_now(self) -> list[Failure]:
        """The newest failure of each account that still fails."""
        return _one_per_account(failure for failure in self.failures if not failure.resolved)

    @property
    def resolved(self) -> list[Failure]:
        """The newest failure of each account that has recovered since."""
        return _one_per_account(failure for failure in self.failures if failure.resolved)

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
    # Each run's platform by a lookup of its account: a join would read every account.
    platform_of_account = ProjectAccount.objects.filter(pk=OuterRef("account_id")).order_by()
    rows = (
        ReplicationRun.objects.filter(status__in=ReplicationRun.ACTIVE)
        .annotate(platform=Subquery(platform_of_account.values("platform_id")))
        .order_by()
        .values_list("platform", "status")
        .annotate(count=Count("*"))
    )
    for platform_id, status, count in rows:
        counts[platform_id][status] = count
    return counts


def latest_failure_ids(per_platform: int = FAILURES_PER_PLATFORM) -> dict[str, Subquery]:
    """Platform annotations `failure_0`, `failure_1`, ...: the ids of its newest failed runs."""
    # Each rank walks the (status, finished_at) index down from the newest failure until it
    # has met that many of the platform's: it reads a handful of rows, not every failure, and
    # a platform with many failures cannot push the others' off the dashboard.
    newest = (
        ReplicationRun.objects.filter(
            status=ReplicationRun.Status.FAILED,
            finished_at__isnull=False,
            account__platform_id=OuterRef("pk"),
        )
        # The id last, so that each rank's subquery sees the same order when times are equal.
        .order_by("-finished_at", "-created_at", "-pk")
        .values("pk")
    )
    return {f"failure_{rank}": Subquery(newest[rank : rank + 1]) for rank in range(per_platform)}


def failures_by_id(run_ids: list[uuid.UUID]) -> dict[uuid.UUID, Failure]:
    """The failed runs with these ids, by id, each reduced to its dashboard line."""
    if not run_ids:
        return {}
    runs = ReplicationRun.objects.filter(pk__in=run_ids).select_related(
        "account__project__customer"
    )
    return {
        run.pk: Failure(
            run_id=str(run.pk),
            account_id=run.account_id,
            account=run.account.project.full_identifier,
            finished_at=run.finished_at,
            error_step=run.error_step,
            error_code=run.error_code,
            error_line=first_line(run.error),
            # Resolved once a later run made the account ready; one queued or running again
            # after the failure still fails until it succeeds.
            resolved=run.account.status in RECOVERED or run.account.deleted_at is not None,
        )
        for run in runs
    }


def retrying_by_platform(limit: int = 500) -> dict[int, Retrying]:
    """Each platform's newest retrying account (one query over the newest `limit`)."""
    rows = (
        ProjectAccount.objects.filter(
            status=ProjectAccount.Status.RETRYING, deleted_at__isnull=True
        )
        .order_by("-updated_at")
        .values_list(
            "platform_id", "pk", "project__customer__identifier", "project__identifier",
            "status_message", "next_attempt_at",
        )[:limit]
    )  # fmt: skip
    found: dict[int, Retrying] = {}
    for platform_id, pk, customer, project, message, due in rows:
        found.setdefault(
            platform_id, Retrying(pk, f"{customer}.{project}", first_line(message), due)
        )
    return found


def platform_summaries(per_platform: int = FAILURES_PER_PLATFORM) -> list[PlatformSummary]:
    """Every platform with its account states, runs in flight and latest failures."""
    accounts = account_counts_by_platform()
    in_flight = runs_in_flight_by_platform()
    platforms = list(
        PlatformInstance.objects.select_related("location")
        .annotate(**latest_failure_ids(per_platform))
        .order_by("location__identifier", "identifier")
    )
    ranks = [f"failure_{rank}" for rank in range(per_platform)]
    ids = {platform.pk: [getattr(platform, rank) for rank in ranks] for platform in platforms}
    failures = failures_by_id([run_id for row in ids.values() for run_id in row if run_id])
    retrying = retrying_by_platform()
    return [
        PlatformSummary(
            platform=platform,
            accounts=accounts[platform.pk],
            in_flight=in_flight[platform.pk],
            failures=[failures[run_id] for run_id in ids[platform.pk] if run_id in failures],
            retrying=retrying.get(platform.pk),
        )
        for platform in platforms
    ]


def _one_per_account(failures) -> list[Failure]:
    """The newest failure of each account, newest first."""
    seen: set[int] = set()
    return [f for f in failures if not (f.account_id in seen or seen.add(f.account_id))]


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


def finished_runs_by_day(first_day: datetime.date, last_day: datetime.date) -> dict:
    """(succeeded, failed) runs per day that ended, in local time, on `first_day`..`last_day`."""
    succeeded, failed = ReplicationRun.Status.SUCCEEDED, ReplicationRun.Status.FAILED
    # Finishing a run sets its finished_at (engine._finish), so a range of finished_at finds
    # every finished run of those days, from the index alone.
    rows = (
        ReplicationRun.objects.filter(
            status__in=(succeeded, failed),
            finished_at__gte=_start_of(first_day),
            finished_at__lt=_start_of(last_day + datetime.timedelta(days=1)),
        )
        .annotate(day=TruncDate("finished_at"))
        .order_by()
        .values_list("day", "status")
        .annotate(count=Count("*"))
    )
    counts: dict[datetime.date, dict[str, int]] = defaultdict(lambda: {succeeded: 0, failed: 0})
    for day, status, count in rows:
        counts[day][status] = count
    return {day: (count[succeeded], count[failed]) for day, count in counts.items()}


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def runs_per_day(days: int = CHART_DAYS, today: datetime.date | None = None) -> list[DayRuns]:
    """Succeeded and failed runs per day (by end time) for the `days` days up to today."""
    today = today or timezone.localdate()
    first_day = today - datetime.timedelta(days=days - 1)
    # A finished run keeps its end time, so the days before today do not change: they are
    # counted once an hour (per process) and today's runs on every request. The cost of a
    # request then follows the runs of one day, not of the whole chart.
    key = f"dashboard-past-days:{timezone.get_current_timezone_name()}:{first_day}:{today}"
    past = cache.get(key)
    if past is None:
        counts = finished_runs_by_day(first_day, today)
        past = {day: count for day, count in counts.items() if day < today}
        cache.set(key, past, PAST_DAYS_SECONDS)
    else:
        counts = {**past, **finished_runs_by_day(today, today)}
    result = []
    for offset in range(days):
        day = first_day + datetime.timedelta(days=offset)
        succeeded, failed = counts.get(day, (0, 0))
        result.append(DayRuns(day=day, succeeded=succeeded, failed=failed))
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
