"""The dashboard: per platform account states, runs in flight, latest failures, runs per day."""

import datetime
import itertools
import re

import pytest
from defusedxml import ElementTree
from django.core.cache import cache
from django.utils import timezone

from accounts.models import Customer, Project, ProjectAccount
from accounts.services import project_account_create, project_create
from platforms.config_io import parse_record
from platforms.services import platform_apply
from replication.models import ReplicationRun

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def _no_counted_past_days():
    """Each test counts the chart's past days afresh (they are cached for an hour)."""
    cache.clear()


@pytest.fixture
def other_platform(location, example_record):
    """A second platform, aws-dev.eu, whose e-mails and aliases differ from aws-prod's."""
    record = {
        **example_record,
        "platform": "aws-dev",
        "meshProvisioning": {"accountEmailTemplate": "dev+%s@meshcloud.io"},
        "accountAliasPattern": "dev-<customer>-<project>",
    }
    return platform_apply(location=location, record=parse_record(record), actor=None).platform


def _account(customer, identifier, platform):
    project = project_create(customer=customer, identifier=identifier, actor=None)
    return project_account_create(project=project, platform=platform, actor=None)


def _runs_of(*accounts):
    return ReplicationRun.objects.filter(account__in=accounts)


def _summary(response, platform):
    return next(s for s in response.context["platform_summaries"] if s.platform == platform)


def _card(page: str, platform) -> str:
    start = page.index(f'data-testid="platform-{platform.full_identifier}"')
    return page[start : page.index("</article>", start)]


def _at(days_ago: int, hour: int = 12) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _finished(account, status, days_ago, **fields):
    """A finished run of `account`, ended `days_ago` days ago at noon."""
    return ReplicationRun.objects.create(
        account=account, trigger="resync", status=status, created_at=_at(days_ago, 11),
        finished_at=_at(days_ago), **fields,
    )  # fmt: skip


def _chart(page: str):
    svg = re.search(r"<svg .*?</svg>", page, re.DOTALL).group(0)
    return ElementTree.fromstring(svg)


def _day_group(svg, days_ago: int):
    day = (timezone.localdate() - datetime.timedelta(days=days_ago)).isoformat()
    return next(g for g in svg.iter(f"{SVG}g") if g.get("data-day") == day)


def _bars(group) -> dict[str, tuple[float, float]]:
    return {
        rect.get("class").removeprefix("bar-"): (float(rect.get("y")), float(rect.get("height")))
        for rect in group.iter(f"{SVG}rect")
    }


def test_it_counts_live_accounts_per_platform_and_status(
    client, alice, acme, platform, other_platform
):
    accounts = [_account(acme, name, platform) for name in ("web", "shop", "blog", "api", "old")]
    _account(acme, "web-dev", other_platform)
    ProjectAccount.objects.filter(pk__in=[a.pk for a in accounts[:2]]).update(status="ready")
    ProjectAccount.objects.filter(pk=accounts[2].pk).update(status="failed")
    ProjectAccount.objects.filter(pk=accounts[4].pk).update(
        status="failed", deleted_at=timezone.now()
    )
    client.force_login(alice)
    response = client.get("/")
    assert _summary(response, platform).accounts == {
        "queued": 1, "running": 0, "waiting_for_aws": 0, "retrying": 0, "failed": 1,
        "ready": 2, "ready_with_warnings": 0,
    }  # fmt: skip
    assert _summary(response, other_platform).accounts["queued"] == 1
    card = _card(response.content.decode(), platform)
    assert 'data-testid="accounts-ready">2<' in card and "4 accounts" in card


def test_it_links_each_platform_card_to_the_platform_page(client, bob, platform, other_platform):
    client.force_login(bob)
    page = client.get("/").content.decode()
    assert 'href="/platforms/eu/aws-prod/"' in _card(page, platform)
    assert 'href="/platforms/eu/aws-dev/"' in _card(page, other_platform)


def test_it_counts_runs_in_flight_per_platform(client, alice, acme, platform, other_platform):
    _, shop, blog, api = (_account(acme, name, platform) for name in ("web", "shop", "blog", "api"))
    _account(acme, "web-dev", other_platform)
    _runs_of(shop).update(status="running")
    _runs_of(blog).update(status="waiting")
    _runs_of(api).update(status="succeeded", finished_at=timezone.now())
    client.force_login(alice)
    response = client.get("/")
    summary = _summary(response, platform)
    assert summary.in_flight == {"pending": 1, "running": 1, "waiting": 1}
    assert summary.in_flight_total == 3
    assert _summary(response, other_platform).in_flight_total == 1
    card = _card(response.content.decode(), platform)
    assert "<strong>3</strong> runs in flight" in card and "1 running" in card


def test_it_lists_the_latest_failures_with_their_one_line_error(client, charlie, web, platform):
    account = project_account_create(project=web, platform=platform, actor=None)
    _runs_of(account).update(status="succeeded", finished_at=_at(3))
    _finished(
        account, "failed", 1, error_step="create_account", error_code="AccessDenied",
        error="not allowed to call CreateAccount\nTraceback: the rest of the story",
    )  # fmt: skip
    ProjectAccount.objects.filter(pk=account.pk).update(status="failed")
    client.force_login(charlie)
    card = _card(client.get("/").content.decode(), platform)
    failure = card[card.index('data-testid="failure"') :]
    assert f'href="/accounts/{account.pk}/"' in failure and "acme.web" in failure
    assert "create_account" in failure and "AccessDenied" in failure
    assert "not allowed to call CreateAccount" in failure and "Traceback" not in failure


def test_it_shows_the_five_newest_failures_of_each_platform(
    client, alice, acme, platform, other_platform
):
    web, shop = _account(acme, "web", platform), _account(acme, "shop", platform)
    other = _account(acme, "web-dev", other_platform)
    for days_ago in range(1, 9):
        account = web if days_ago % 2 else shop
        _finished(account, "failed", days_ago, error=f"failure of day -{days_ago}")
    _finished(other, "failed", 20, error="the other platform's failure")
    client.force_login(alice)
    response = client.get("/")
    errors = [f.error_line for f in _summary(response, platform).failures]
    assert errors == [f"failure of day -{days_ago}" for days_ago in range(1, 6)]
    assert [f.error_line for f in _summary(response, other_platform).failures] == [
        "the other platform's failure"
    ]


def test_it_says_when_a_platform_has_no_failures(client, alice, platform):
    client.force_login(alice)
    assert "No account is failing." in _card(client.get("/").content.decode(), platform)


def test_it_draws_one_bar_slot_per_day_of_the_last_30_days(client, alice, web, platform):
    client.force_login(alice)
    svg = _chart(client.get("/").content.decode())
    days = [g.get("data-day") for g in svg.iter(f"{SVG}g") if g.get("data-day")]
    today = timezone.localdate()
    assert len(days) == 30
    assert days[0] == (today - datetime.timedelta(days=29)).isoformat()
    assert days[-1] == today.isoformat()


def test_it_stacks_succeeded_and_failed_runs_per_day(client, alice, web, platform):
    account = project_account_create(project=web, platform=platform, actor=None)
    _runs_of(account).update(status="succeeded", created_at=_at(30), finished_at=_at(31))
    for status in ("succeeded",) * 4 + ("failed",):
        _finished(account, status, 2)
    _finished(account, "succeeded", 0)
    _finished(account, "succeeded", 0)
    client.force_login(alice)
    svg = _chart(client.get("/").content.decode())
    # The tallest day has 5 runs, so the scale goes to 5 and the plot is 150 units high.
    assert [t.text for t in svg.iter(f"{SVG}text") if t.get("data-testid") == "y-tick"] == [
        "0",
        "5",
    ]
    two_days_ago = _day_group(svg, 2)
    assert (two_days_ago.get("data-succeeded"), two_days_ago.get("data-failed")) == ("4", "1")
    assert _bars(two_days_ago) == {"succeeded": (58.0, 120.0), "failed": (28.0, 30.0)}
    assert _bars(_day_group(svg, 0)) == {"succeeded": (118.0, 60.0)}
    assert "6 succeeded and 1 failed" in svg.find(f"{SVG}desc").text


def test_it_leaves_days_without_finished_runs_empty(client, alice, web, platform):
    account = project_account_create(project=web, platform=platform, actor=None)
    _finished(account, "succeeded", 30)  # one day too old for the chart
    client.force_login(alice)
    svg = _chart(client.get("/").content.decode())
    assert not list(svg.find(f"{SVG}g[@class='bars']").iter(f"{SVG}rect"))
    assert _day_group(svg, 29).find(f"{SVG}title").text.endswith("0 succeeded, 0 failed")


def test_it_labels_the_axes_and_explains_the_chart(client, alice):
    client.force_login(alice)
    svg = _chart(client.get("/").content.decode())
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Replication runs per day, last 30 days"
    labels = [t.text for t in svg.iter(f"{SVG}text")]
    assert {"succeeded", "failed", "runs"} <= set(labels)
    assert timezone.localdate().strftime("%b %-d") in labels


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie"])
def test_it_shows_the_dashboard_to_every_staff_role(client, request, persona, platform):
    client.force_login(request.getfixturevalue(persona))
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="platform-aws-prod.eu"' in page and 'data-testid="runs-chart"' in page
    assert 'data-testid="service-database"' in page and "Sandbox AWS emulator" in page


def test_it_refuses_users_without_a_staff_role(client, dave):
    client.force_login(dave)
    assert client.get("/").status_code == 403


def test_it_sends_anonymous_visitors_to_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def _seed(platforms, size: int) -> None:
    """`size` accounts and `size` runs spread over `platforms`, in every status, bulk-created."""
    customer = Customer.objects.create(identifier="bulk", display_name="Bulk")
    projects = Project.objects.bulk_create(
        Project(customer=customer, identifier=f"p{i}", display_name=f"P {i}") for i in range(size)
    )
    zones = {p.pk: p.landing_zones.first() for p in platforms}
    statuses = itertools.cycle(ProjectAccount.Status.values)
    accounts = ProjectAccount.objects.bulk_create(
        ProjectAccount(
            project=project, platform=platforms[i % 2], landing_zone=zones[platforms[i % 2].pk],
            email=f"bulk{i}@example.com", name=f"bulk-{i}", tenant_platform_number=1000 + i,
            status=next(statuses),
        )
        for i, project in enumerate(projects)
    )  # fmt: skip
    run_statuses = itertools.cycle(["succeeded", "failed", "pending", "running", "waiting"])
    ReplicationRun.objects.bulk_create(
        ReplicationRun(
            account=account, trigger="resync", status=(status := next(run_statuses)),
            created_at=_at(i % 40, 10), finished_at=_at(i % 40) if status in ("succeeded", "failed") else None,
            error="boom\nmore" if status == "failed" else "", error_step="validate",
        )
        for i, account in enumerate(accounts)
    )  # fmt: skip


# Session, user, staff role, staff counts, two permission loads, account counts, runs in
# flight, platforms with the ids of their latest failures, those failures, retrying accounts,
# runs per day, audit events, the getting-started checklist. (The database needs no health
# check of its own: the page has read from it.)
DASHBOARD_QUERIES = 14


@pytest.mark.parametrize("size", [5, 500])
def test_it_reads_the_dashboard_in_a_constant_number_of_queries(
    client, alice, platform, other_platform, django_assert_max_num_queries, size
):
    _seed([platform, other_platform], size)
    client.force_login(alice)
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        response = client.get("/")
    assert _summary(response, platform).account_total == size - size // 2
    assert sum(day.succeeded + day.failed for day in response.context["runs_chart"].bars) > 0


def test_a_platform_with_many_recent_failures_leaves_the_others_theirs(
    client, alice, acme, platform, other_platform
):
    noisy = [_account(acme, f"noisy-{i}", platform) for i in range(3)]
    quiet = _account(acme, "web-dev", other_platform)
    for hour in range(30):
        ReplicationRun.objects.create(
            account=noisy[hour % 3], trigger="resync", status="failed",
            created_at=_at(0, 0), finished_at=_at(0, 0) + datetime.timedelta(minutes=hour),
            error=f"noisy failure {hour}",
        )  # fmt: skip
    for days_ago in (400, 401, 402):
        _finished(quiet, "failed", days_ago, error=f"quiet failure of day -{days_ago}")
    client.force_login(alice)
    response = client.get("/")
    assert [f.error_line for f in _summary(response, platform).failures] == [
        f"noisy failure {hour}" for hour in (29, 28, 27, 26, 25)
    ]
    assert [f.error_line for f in _summary(response, other_platform).failures] == [
        "quiet failure of day -400", "quiet failure of day -401", "quiet failure of day -402",
    ]  # fmt: skip


def test_it_orders_failures_finished_together_by_creation(client, alice, web, platform):
    account = project_account_create(project=web, platform=platform, actor=None)
    for hour in (8, 10, 9):
        ReplicationRun.objects.create(
            account=account, trigger="resync", status="failed", created_at=_at(1, hour),
            finished_at=_at(1, 12), error=f"created at {hour}",
        )  # fmt: skip
    client.force_login(alice)
    failures = _summary(client.get("/"), platform).failures
    assert [f.error_line for f in failures] == ["created at 10", "created at 9", "created at 8"]


def test_it_leaves_runs_in_flight_out_of_the_latest_failures(client, alice, web, platform):
    account = project_account_create(project=web, platform=platform, actor=None)
    _runs_of(account).update(status="waiting", error="a wait is not a failure")
    client.force_login(alice)
    assert _summary(client.get("/"), platform).failures == []


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/Los_Angeles"])
def test_it_counts_a_run_on_the_local_day_it_finished(client, alice, web, platform, settings, zone):
    settings.TIME_ZONE = zone
    account = project_account_create(project=web, platform=platform, actor=None)
    _runs_of(account).update(status="succeeded", finished_at=_at(40))
    midnight = _at(1, 0)
    just_before, just_after = (
        midnight - datetime.timedelta(microseconds=1),
        midnight + datetime.timedelta(seconds=1),
    )
    # Started the day before: a run counts on the day it ended, not the day it began.
    ReplicationRun.objects.create(
        account=account, trigger="resync", status="failed", created_at=_at(3),
        finished_at=just_before,
    )  # fmt: skip
    ReplicationRun.objects.create(
        account=account, trigger="resync", status="succeeded", created_at=just_before,
        finished_at=just_after,
    )  # fmt: skip
    # Twenty-nine days back is the chart's first day: its first second is in, the last of the
    # day before is out.
    first_day = _at(29, 0)
    for finished_at in (first_day, first_day - datetime.timedelta(microseconds=1)):
        ReplicationRun.objects.create(
            account=account, trigger="resync", status="succeeded", finished_at=finished_at
        )
    client.force_login(alice)
    bars = {bar.day: bar for bar in client.get("/").context["runs_chart"].bars}
    today = timezone.localdate()
    two_days_ago, yesterday = (today - datetime.timedelta(days=n) for n in (2, 1))
    assert (bars[two_days_ago].succeeded, bars[two_days_ago].failed) == (0, 1)
    assert (bars[yesterday].succeeded, bars[yesterday].failed) == (1, 0)
    assert bars[today - datetime.timedelta(days=29)].succeeded == 1
    assert sum(bar.succeeded + bar.failed for bar in bars.values()) == 3


def test_it_counts_todays_runs_on_every_request(client, alice, web, platform):
    account = project_account_create(project=web, platform=platform, actor=None)
    _runs_of(account).update(status="succeeded", finished_at=_at(40))
    _finished(account, "succeeded", 1)
    client.force_login(alice)

    def yesterday_and_today():
        bars = client.get("/").context["runs_chart"].bars[-2:]
        return [(bar.succeeded, bar.failed) for bar in bars]

    assert yesterday_and_today() == [(1, 0), (0, 0)]
    ReplicationRun.objects.create(
        account=account, trigger="resync", status="failed", finished_at=timezone.now()
    )
    assert yesterday_and_today() == [(1, 0), (0, 1)]


def test_it_counts_the_days_before_today_once_an_hour(client, alice, web, platform):
    account = project_account_create(project=web, platform=platform, actor=None)
    _runs_of(account).update(status="succeeded", finished_at=_at(2))
    client.force_login(alice)
    assert client.get("/").context["runs_chart"].succeeded == 1
    # Runs end now, never yesterday: only a run written with an earlier end shows that the
    # past days come from the first count until the hour is over.
    _finished(account, "succeeded", 1)
    assert client.get("/").context["runs_chart"].succeeded == 1
    cache.clear()
    assert client.get("/").context["runs_chart"].succeeded == 2


def test_a_failure_whose_account_recovered_is_marked_resolved(client, alice, web, platform):
    account = project_account_create(project=web, platform=platform, actor=None)
    _finished(account, "failed", 1, error="AccessDenied on ListParents")
    ProjectAccount.objects.filter(pk=account.pk).update(status="failed")
    client.force_login(alice)
    card = _card(client.get("/").content.decode(), platform)
    assert 'data-testid="failure"' in card and 'data-testid="resolved-failure"' not in card
    # Re-synced, not yet succeeded: it still fails.
    ProjectAccount.objects.filter(pk=account.pk).update(status="running")
    again = _summary(client.get("/"), platform)
    assert len(again.failing_now) == 1 and again.health == "failing"
    ProjectAccount.objects.filter(pk=account.pk).update(status="ready")
    summary = _summary(client.get("/"), platform)
    assert summary.failing_now == [] and len(summary.resolved) == 1
    card = _card(client.get("/").content.decode(), platform)
    assert "No account is failing." in card and 'data-testid="resolved-failure"' in card


def test_a_platform_with_a_retrying_account_is_amber_with_the_error(client, alice, web, platform):
    account = project_account_create(project=web, platform=platform, actor=None)
    ProjectAccount.objects.filter(pk=account.pk).update(
        status="retrying",
        status_message="ListRoots failed with EndpointConnectionError",
        next_attempt_at=timezone.now(),
    )
    client.force_login(alice)
    response = client.get("/")
    assert _summary(response, platform).health == "retrying"
    card = _card(response.content.decode(), platform)
    assert 'data-health="retrying"' in card
    assert "ListRoots failed with EndpointConnectionError" in card
    ProjectAccount.objects.filter(pk=account.pk).update(status="failed")
    assert _summary(client.get("/"), platform).health == "failing"
