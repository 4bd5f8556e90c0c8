from django.contrib import admin

from meshaws_site.admin import ReadOnlyAdmin

from .models import (
    IdentityCenterAssignment,
    IdentityCenterGroup,
    IdentityCenterMembership,
    IdentityCenterUser,
    LeftBehindResource,
    ReplicationRun,
    ReplicationStep,
)


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


# Identity Center mode: what the steps made and keep track of; only the steps write it.


@admin.register(IdentityCenterGroup)
class IdentityCenterGroupAdmin(ReadOnlyAdmin):
    list_display = ("display_name", "project", "project_role", "platform", "group_id")
    list_filter = ("project_role",)
    list_select_related = ("project__customer", "platform__location")
    search_fields = ("display_name", "group_id")


@admin.register(IdentityCenterMembership)
class IdentityCenterMembershipAdmin(ReadOnlyAdmin):
    list_display = ("user_name", "group", "user_id")
    list_select_related = ("group",)
    search_fields = ("user_name", "group__display_name")


@admin.register(IdentityCenterUser)
class IdentityCenterUserAdmin(ReadOnlyAdmin):
    list_display = ("user_name", "identity_store_id", "user_id")
    search_fields = ("user_name",)


@admin.register(IdentityCenterAssignment)
class IdentityCenterAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("account", "group_id", "permission_set_arn", "state", "request_id")
    list_filter = ("state",)
    list_select_related = ("account__project__customer", "account__platform__location")


@admin.register(LeftBehindResource)
class LeftBehindResourceAdmin(ReadOnlyAdmin):
    list_display = ("account", "mode", "kind", "name", "arn", "recorded_at")
    list_filter = ("mode", "kind")
    list_select_related = ("account__project__customer", "account__platform__location")
    search_fields = ("name", "arn", "group_id")
