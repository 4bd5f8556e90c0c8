"""Site-wide pages: the dashboard and the health check."""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts import dashboard as dashboard_reads
from accounts.roles import GROUP_OF_ROLE, ROLE_OF_GROUP, staff_required
from audit.models import AuditEvent

from . import health


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """200 with every part "ok", or 503 naming the part that does not answer."""
    status = health.service_status()
    healthy = all(value == health.OK for value in status.values())
    return JsonResponse(status, status=200 if healthy else 503)


@require_GET
@staff_required
def dashboard(request):
    """Platforms' accounts, runs and failures, runs per day, services, staff, the audit log."""
    staff_counts = dict(
        get_user_model()
        .objects.filter(groups__name__in=GROUP_OF_ROLE.values(), is_active=True)
        .values_list("groups__name")
        .annotate(count=Count("pk"))
    )
    can_read_audit = request.user.has_perm("audit.view_auditevent")
    context = {
        # Rendering this page has already read the session and the user from the database.
        "services": {"database": health.OK, "redis": health.redis_status()},
        "staff_counts": {
            ROLE_OF_GROUP[group]: staff_counts.get(group, 0) for group in GROUP_OF_ROLE.values()
        },
        "recent_events": AuditEvent.objects.all()[:8] if can_read_audit else None,
        "platform_summaries": dashboard_reads.platform_summaries(),
        "runs_chart": dashboard_reads.runs_chart(dashboard_reads.runs_per_day()),
    }
    return render(request, "dashboard.html", context)
