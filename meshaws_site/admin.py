"""What the apps' admin pages share."""

from django.contrib import admin

from .models import ApiToken


class ReadOnlyAdmin(admin.ModelAdmin):
    """Writes go through the services (validation, audit) and history is append-only: the
    admin only shows."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Who has an API token since when; never the key, which the database does not hold."""

    list_display = ["user", "created_at"]
    fields = ["user", "created_at"]
