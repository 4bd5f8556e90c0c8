from django.contrib import admin

from meshaws_site.admin import ReadOnlyAdmin

from .models import ReplicationRun, ReplicationStep


@admin.register(ReplicationRun)
class ReplicationRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "account", "trigger", "status", "attempt", "created_at", "finished_at")
    list_filter = ("status", "trigger")
    list_select_related = ("account__project__customer", "account__platform__location")
    # The paginator counts the runs already; a second count of the whole history is not worth it.
    show_full_result_count = False


@admin.register(ReplicationStep)
class ReplicationStepAdmin(ReadOnlyAdmin):
    list_display = ("run_id", "attempt", "position", "name", "status", "started_at")
    list_filter = ("status", "name")
