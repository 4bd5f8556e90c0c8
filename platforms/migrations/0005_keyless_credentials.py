"""Keyless credentials: access keys become optional; web identity (role ARN and token file)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0004_platform_organization_id"),
    ]

    operations = [
        migrations.AlterField(
            model_name="platforminstance",
            name="access_key_ciphertext",
            field=models.TextField(blank=True),
        ),
        migrations.AlterField(
            model_name="platforminstance",
            name="access_key_fingerprint",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AlterField(
            model_name="platforminstance",
            name="secret_key_ciphertext",
            field=models.TextField(blank=True),
        ),
        migrations.AlterField(
            model_name="platforminstance",
            name="secret_key_fingerprint",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name="platforminstance",
            name="web_identity_role_arn",
            field=models.CharField(blank=True, max_length=2048),
        ),
        migrations.AddField(
            model_name="platforminstance",
            name="web_identity_token_file",
            field=models.CharField(blank=True, max_length=4096),
        ),
    ]
