"""Live overviews: a page polled by static/live.js answers 304 when nothing it shows changed.

A poll carries `X-Meshaws-Live: 1` and the ETag of its last answer (the page carries its
first). The ETag is an HMAC of the user, the page's URL, the minute, and one query's latest
change times of the tables the page shows: `updated_at` of accounts, runs and retirements, and
the newest audit event, which every configuration, staff and role change writes. The minute
shows what time alone changes, and a change committed late with an earlier `updated_at`,
within a minute. An unchanged poll reads the session from the cache (SESSION_ENGINE
cached_db), the user, and that one query: 2 queries, nothing rendered.

The conditional answer comes before the view's permission check: an ETag is only ever issued
to this user for this page, and any change of their role writes an audit event, which changes
the ETag, so the next poll is answered by the view (and its check) again.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from functools import wraps

from django.core.cache import cache
from django.db import connection
from django.db.models import Max, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.crypto import salted_hmac

from accounts.models import AccountRetirement, ProjectAccount
from audit.models import AuditEvent
from replication.models import ReplicationBatch, ReplicationRun

LIVE_HEADER = "X-Meshaws-Live"


def _latest(model, field: str = "updated_at") -> Callable[[dict], QuerySet]:
    # ORDER BY … DESC LIMIT 1 reads one entry of the field's index.
    return lambda page: model.objects.order_by(f"-{field}").values(field)[:1]


def _batch_runs(page: dict) -> QuerySet:
    return (
        ReplicationBatch.objects.filter(pk=page["batch"])
        .annotate(latest=Max("runs__updated_at"))
        .values("latest")
    )


# What a page's content can depend on, each a one-row, one-column query.
SOURCES: dict[str, Callable[[dict], QuerySet]] = {
    "accounts": _latest(ProjectAccount),
    "runs": _latest(ReplicationRun),
    "retirements": _latest(AccountRetirement),
    "audit": _latest(AuditEvent, "id"),
    "batch_runs": _batch_runs,
}


def versions(sources: tuple[str, ...], page: dict) -> tuple:
    """The latest change of each source, read in one SELECT of subqueries."""
    parts, params = [], []
    for name in sources:
        sql, values = SOURCES[name](page).query.sql_with_params()
        parts.append(f"({sql})")
        params.extend(values)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        return cursor.fetchone()


def clock() -> float:
    """Now, in seconds (tests hold it still, so that a minute does not turn mid-test)."""
    return time.time()


def _minute(key: str) -> int:
    """The current minute of `key`, turning at its own second so that pages do not all
    render at once."""
    offset = int(salted_hmac("meshaws.live.minute", key).hexdigest()[:4], 16) % 60
    return int((clock() + offset) // 60)


def page_etag(request: HttpRequest, sources: tuple[str, ...], page: dict) -> str:
    """The ETag of what `request`'s page shows to its user now."""
    page_of_user = f"{request.user.pk}|{request.get_full_path()}"
    request.live_versions = versions(sources, page)
    text = f"{page_of_user}|{_minute(page_of_user)}|{request.live_versions!r}"
    return '"' + salted_hmac("meshaws.live", text).hexdigest()[:32] + '"'


# How long a shared answer is kept: its key changes with the page's versions and minute.
SHARED_SECONDS = 120
CSRF_INPUT = re.compile(rb'(<input type="hidden" name="csrfmiddlewaretoken" value=")[^"]*(")')


def _audience(request: HttpRequest, per_user: bool) -> str:
    """Who may share a live answer: the same permissions (the views check nothing else),
    or the same user for a page that shows each user their own."""
    user = request.user
    if per_user:
        return f"user:{user.pk}"
    permissions = ",".join(sorted(user.get_all_permissions()))
    return f"{user.is_superuser}|{user.is_active}|{permissions}"


def _shared_answer(request, view, sources, per_user, args, kwargs) -> HttpResponse:
    """The page as a live poll brings it: rendered once per version for everyone who may see
    the same, so a change does not make every open page render it again.

    A live answer leaves out what is a user's own: the page's header and flash messages
    (base.html skips them for a poll, so the messages stay for the next page opened) and the
    CSRF tokens of its forms, which static/live.js fills with the open page's.
    """
    request.live_poll = True
    path = request.get_full_path()
    key = (
        "live:"
        + salted_hmac(
            "meshaws.live.shared",
            f"{path}|{_minute(path)}|{request.live_versions!r}|{_audience(request, per_user)}",
        ).hexdigest()
    )
    body = cache.get(key)
    if body is not None:
        return HttpResponse(body)
    response = view(request, *args, **kwargs)
    if response.status_code == 200 and not response.streaming:
        response.content = CSRF_INPUT.sub(rb"\1\2", response.content)
        cache.set(key, response.content, SHARED_SECONDS)
    return response


def is_live_poll(request: HttpRequest) -> bool:
    """Whether static/live.js asks (a GET of a signed-in user with the live header)."""
    return (
        request.method == "GET"
        and request.headers.get(LIVE_HEADER) == "1"
        and request.user.is_authenticated
    )


def live_page(*sources: str, per_user: bool = False):
    """Make a page view answer live polls: 304 when its sources did not change, else the page
    with its ETag (static/live.js swaps the page's [data-live] regions).

    `per_user`: the page shows each user something of their own (beyond what their
    permissions allow), so its live answers are not shared between users.
    """
    unknown = set(sources) - set(SOURCES)
    if unknown:
        raise ValueError(f"unknown live sources: {', '.join(sorted(unknown))}")

    def decorate(view):
        @wraps(view)
        def answer(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not is_live_poll(request):
                if request.method == "GET" and request.user.is_authenticated:
                    # The page carries its ETag ({% live_region %}): the first poll is a 304.
                    request.live_etag = page_etag(request, sources, kwargs)
                return view(request, *args, **kwargs)
            etag = request.live_etag = page_etag(request, sources, kwargs)
            asked = {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}
            if etag in asked:
                response = HttpResponseNotModified()
            else:
                response = _shared_answer(request, view, sources, per_user, args, kwargs)
            if response.status_code in (200, 304):
                response["ETag"] = etag
            response["Cache-Control"] = "no-cache, private"
            patch_vary_headers(response, [LIVE_HEADER])
            return response

        return answer

    return decorate
