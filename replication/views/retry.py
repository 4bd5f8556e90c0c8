"""Retry now: a waiting or retrying run's next attempt, queued at once."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from accounts import permissions as account_permissions
from replication import services
from replication.models import ReplicationRun


@permission_required(account_permissions.RESYNC, raise_exception=True)
@require_POST
def replication_run_retry(request, run):
    """Make a parked run due now and queue it; back to its account's page with a message."""
    found = get_object_or_404(ReplicationRun.objects.select_related("account"), pk=run)
    try:
        services.run_retry_now(run=found, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.message_dict.get("run", error.messages)))
    else:
        messages.success(request, f"Retry requested: run {str(found.pk)[:8]} is queued now.")
    return redirect("project-account-detail", account=found.account_id)
