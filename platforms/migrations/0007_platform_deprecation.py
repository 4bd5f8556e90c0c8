"""Platform lifecycle: a deprecated platform accepts no new accounts (when, and why)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0006_identity_center"),
    ]

    operations = [
        migrations.AddField(
            model_name="platforminstance",
            name="deprecated_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="platforminstance",
            name="deprecated_comment",
            field=models.CharField(blank=True, max_length=255),
        ),
    ]
