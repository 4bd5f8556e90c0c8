from django.contrib import admin

from meshaws_site.admin import ReadOnlyAdmin

from .models import ProjectAccount


@admin.register(ProjectAccount)
class ProjectAccountAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "aws_account_id", "status", "last_run_at", "deleted_at")
    list_filter = ("status",)
    list_select_related = ("project__customer", "platform__location")
    search_fields = ("email", "alias", "aws_account_id", "name")
