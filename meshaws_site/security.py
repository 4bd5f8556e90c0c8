"""Security plumbing: the Content-Security-Policy middleware and the sign-in lockout page."""

import base64
import hashlib
import re
from functools import cache
from pathlib import Path

import django_rq
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.shortcuts import render

# The job dashboard: django-rq's views, at its own URL and inside the admin.
DASHBOARD_PATHS = ("/django-rq/", "/admin/django_rq/")
_INLINE_BLOCK = re.compile(r"<(script|style)(?![^>]*\bsrc=)[^>]*>(.*?)</\1>", re.S)


@cache
def dashboard_inline_hashes() -> dict[str, list[str]]:
    """CSP hashes of the inline <script> and <style> blocks in django-rq's templates.

    Its job lists start the admin's select-all checkboxes from an inline script; allowing those
    exact blocks by hash keeps 'unsafe-inline' off the staff pages too. Read from the installed
    templates, so an upgrade of django-rq brings its new hashes along.
    """
    hashes: dict[str, set[str]] = {"script-src": set(), "style-src": set()}
    for template in (Path(django_rq.__file__).parent / "templates" / "django_rq").glob("*.html"):
        for tag, body in _INLINE_BLOCK.findall(template.read_text()):
            if "{{" in body or "{%" in body:
                continue  # rendered text differs from the source: no stable hash
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            hashes[f"{tag}-src"].add(f"'sha256-{digest}'")
    return {directive: sorted(values) for directive, values in hashes.items()}


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware; on the job dashboard, django-rq's own inline blocks too."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(DASHBOARD_PATHS):
            parts.update = {**(parts.update or {}), **dashboard_inline_hashes()}
        return parts


def lockout_response(request, original_response=None, credentials=None):
    """429 with how long signing in stays locked, instead of django-axes' bare text."""
    cooloff = settings.AXES_COOLOFF_TIME
    response = render(
        request,
        "registration/lockout.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "minutes": int(cooloff.total_seconds() // 60),
        },
        status=429,
    )
    response["Retry-After"] = str(int(cooloff.total_seconds()))
    return response
