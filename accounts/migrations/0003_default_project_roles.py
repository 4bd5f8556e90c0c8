"""The default project roles: admin, user, reader (operators may add more)."""

from django.db import migrations

DEFAULT_ROLES = (("admin", "Admin", 10), ("user", "User", 20), ("reader", "Reader", 30))


def create_default_project_roles(apps, schema_editor):
    ProjectRole = apps.get_model("accounts", "ProjectRole")
    for identifier, display_name, rank in DEFAULT_ROLES:
        ProjectRole.objects.get_or_create(
            identifier=identifier, defaults={"display_name": display_name, "rank": rank}
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_projects_and_accounts")]

    operations = [migrations.RunPython(create_default_project_roles, migrations.RunPython.noop)]
