"""The step between an edit of a platform and its save.

It shows which existing accounts the change affects and, for a change to roles, external ids,
the endpoint, landing zones' OUs, the Identity Center instance or mapped permission sets
(connection/proposed.py), the connection check of the new values. A change whose check fails
is saved only with an explicit "save anyway": the check runs again on that post, so the page's
buttons are not what enforces it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render

from . import signals
from .config_io import PlatformRecord
from .connection.proposed import changes_connection, check_proposed
from .forms import SECRET_FIELDS, PlatformEditor
from .forms.sealed import SEALED
from .models import PlatformInstance

CONFIRM = "confirm_impact"
SAVE_ANYWAY = "save_anyway"
BACK = "back_to_form"
# Posted by the pages themselves, not fields of the form: never carried to the next page.
CONTROLS = ("csrfmiddlewaretoken", SEALED, CONFIRM, SAVE_ANYWAY, BACK)
REFUSED = (
    "Not saved: the connection check of the new values fails. Fix the configuration, or tick "
    "“I understand the check fails” and choose “Save anyway”."
)


@dataclass(frozen=True)
class Confirmation:
    """What the step decided: a page to show instead of saving, or a remark for the save."""

    page: HttpResponse | None = None
    remark: str = ""


def confirm_edit(
    request, editor: PlatformEditor, platform: PlatformInstance, stored: PlatformRecord,
    record: PlatformRecord,
) -> Confirmation:  # fmt: skip
    """Whether the posted edit may be saved now; if not, the page that asks first."""
    checks = check_proposed(platform, stored, record) if changes_connection(stored, record) else []
    failed = [check.name for check in checks if not check.passed]
    confirmed = bool(request.POST.get(CONFIRM))
    if confirmed and not failed:
        return Confirmation()
    if confirmed and request.POST.get(SAVE_ANYWAY):
        return Confirmation(
            remark=f"saved although the connection check failed: {'; '.join(failed)}"
        )
    impact = signals.preview_change(platform, stored, record.keeping_secrets_of(stored))
    if not confirmed and impact is None and not failed:
        return Confirmation()
    carried = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in (*SECRET_FIELDS, *CONTROLS)
        for value in values
    ]
    page = render(
        request,
        "platforms/platform_impact.html",
        {
            "platform": platform,
            "impact": impact,
            "checks": checks,
            "failed": len(failed),
            "carried": carried,
            "sealed_secrets": editor.sealed_secrets,
            "refused": REFUSED if confirmed else "",
        },
        status=400 if confirmed else 200,
    )
    return Confirmation(page=page)
