"""`{% live_region %}`: the attributes that make an element a region static/live.js refreshes."""

from django import template
from django.conf import settings
from django.utils.html import format_html

register = template.Library()

DEFAULT_POLL_SECONDS = 5


@register.simple_tag(takes_context=True)
def live_region(context) -> str:
    """`data-live`, the poll interval in milliseconds (MESHAWS_LIVE_POLL_SECONDS, 5 s) and the
    page's ETag (replication.live.live_page), which the first poll sends."""
    seconds = getattr(settings, "MESHAWS_LIVE_POLL_SECONDS", DEFAULT_POLL_SECONDS)
    etag = getattr(context.get("request"), "live_etag", "")
    return format_html(
        'data-live data-live-interval="{}" data-live-etag="{}"', int(seconds * 1000), etag
    )
