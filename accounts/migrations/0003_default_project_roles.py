"""The default project roles: admin, user, reader (operators may add more)."""

from django.db import migrations


def create_default_project_roles(apps, schema_editor):
    from accounts.roles import ensure_default_project_roles

    ensure_default_project_roles(apps.get_model("accounts", "ProjectRole"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_projects_and_accounts")]

    operations = [migrations.RunPython(create_default_project_roles, migrations.RunPython.noop)]
