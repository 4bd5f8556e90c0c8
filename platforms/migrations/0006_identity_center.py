"""Identity Center mode: the platform's instance, store, role and group names; permission sets."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0005_keyless_credentials"),
    ]

    operations = [
        migrations.AddField(
            model_name="platforminstance",
            name="identity_center_external_id",
            field=models.CharField(blank=True, default="", max_length=1224),
        ),
        migrations.AddField(
            model_name="platforminstance",
            name="identity_center_group_name_pattern",
            field=models.CharField(blank=True, default="", max_length=1024),
        ),
        migrations.AddField(
            model_name="platforminstance",
            name="identity_center_identity_store_id",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="platforminstance",
            name="identity_center_instance_arn",
            field=models.CharField(blank=True, default="", max_length=1224),
        ),
        migrations.AddField(
            model_name="platforminstance",
            name="identity_center_region",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
        migrations.AddField(
            model_name="platforminstance",
            name="identity_center_role_arn",
            field=models.CharField(blank=True, default="", max_length=2048),
        ),
        migrations.AddField(
            model_name="platforminstance",
            name="identity_center_sign_in_url",
            field=models.CharField(blank=True, default="", max_length=300),
        ),
        migrations.AddField(
            model_name="rolemapping",
            name="permission_set_arns",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AlterField(
            model_name="rolemapping",
            name="role_name",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddConstraint(
            model_name="rolemapping",
            constraint=models.CheckConstraint(
                condition=(~models.Q(role_name="") & models.Q(permission_set_arns=[]))
                | (models.Q(role_name="") & ~models.Q(permission_set_arns=[])),
                name="role_mapping_has_role_name_or_permission_sets",
                violation_error_message="a role mapping has a role name or permission sets",
            ),
        ),
    ]
