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

import time
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
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


def page_etag(request: HttpRequest, sources: tuple[str, ...], page: dict) -> str:
    """The ETag of what `request`'s page shows to its user now."""
    page_of_user = f"{request.user.pk}|{request.get_full_path()}"
    # Each open page's minute turns at its own second, so that pages do not all render at once.
    offset = int(salted_hmac("meshaws.live.minute", page_of_user).hexdigest()[:4], 16) % 60
    minute = int((time.time() + offset) // 60)
    text = f"{page_of_user}|{minute}|{versions(sources, page)!r}"
    return '"' + salted_hmac("meshaws.live", text).hexdigest()[:32] + '"'


def is_live_poll(request: HttpRequest) -> bool:
    """Whether static/live.js asks (a GET of a signed-in user with the live header)."""
    return (
        request.method == "GET"
        and request.headers.get(LIVE_HEADER) == "1"
        and request.user.is_authenticated
    )


def live_page(*sources: str):
    """Make a page view answer live polls: 304 when its sources did not change, else the page
    with its ETag (static/live.js swaps the page's [data-live] regions)."""
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
                response = view(request, *args, **kwargs)
                # The page was rendered for its regions only: the flash messages it showed
                # belong to the next page the person opens.
                messages.get_messages(request).used = False
            if response.status_code in (200, 304):
                response["ETag"] = etag
            response["Cache-Control"] = "no-cache, private"
            patch_vary_headers(response, [LIVE_HEADER])
            return response

        return answer

    return decorate
