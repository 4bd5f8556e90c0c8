"""Create the staff groups and the custom `resync` permission.

The groups receive their permissions after `migrate` (accounts.roles.grant_role_permissions):
model permissions only exist once Django's post_migrate has created them.
"""

from django.db import migrations

GROUPS = ("operators", "support", "auditors")


def create_staff_roles(apps, schema_editor):
    from accounts.roles import ensure_resync_permission

    Group = apps.get_model("auth", "Group")
    for name in GROUPS:
        Group.objects.get_or_create(name=name)
    resync = ensure_resync_permission(
        apps.get_model("contenttypes", "ContentType"), apps.get_model("auth", "Permission")
    )
    for name in ("operators", "support"):
        Group.objects.get(name=name).permissions.add(resync)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_staff_roles, migrations.RunPython.noop)]
