"""Site-wide pages: the health check, the favicon."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import health


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """200 with every part "ok", or 503 naming the part that does not answer."""
    status = health.service_status()
    healthy = all(value == health.OK for value in status.values())
    return JsonResponse(status, status=200 if healthy else 503)


@login_not_required
@require_GET
def favicon(request):
    """/favicon.ico, which browsers ask for whatever a page links: the SVG icon."""
    return HttpResponseRedirect(static("favicon.svg"))
