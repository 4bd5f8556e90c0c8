"""The dashboard: platforms' accounts, runs and failures, runs per day, services, staff, audit."""

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.roles import GROUP_OF_ROLE, ROLE_OF_GROUP, staff_required
from audit import permissions as audit_permissions
from audit.models import AuditEvent
from meshaws_site import health
from replication import dashboard as dashboard_reads
from replication.getting_started import getting_started_steps
from replication.live import live_page


@live_page("accounts", "runs", "retirements", "audit")
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
    can_read_audit = request.user.has_perm(audit_permissions.VIEW_AUDIT_EVENTS)
    context = {
        # Rendering this page has already read the session and the user from the database.
        "services": {"database": health.OK, "redis": health.redis_status()},
        "staff_counts": {
            ROLE_OF_GROUP[group]: staff_counts.get(group, 0) for group in GROUP_OF_ROLE.values()
        },
        "recent_events": AuditEvent.objects.all()[:8] if can_read_audit else None,
        "platform_summaries": dashboard_reads.platform_summaries(),
        "runs_chart": dashboard_reads.runs_chart(dashboard_reads.runs_per_day()),
        "getting_started": getting_started_steps(request.user),
    }
    return render(request, "dashboard.html", context)
