from django.db import migrations, models
from django.db.models import F


def creations_that_succeeded(apps, schema_editor):
    """Accounts meshaws created before this field: their grace counts from the request."""
    ProjectAccount = apps.get_model("accounts", "ProjectAccount")
    ProjectAccount.objects.filter(
        aws_account_id__isnull=False, creation_requested_at__isnull=False
    ).exclude(create_request_id="").update(creation_succeeded_at=F("creation_requested_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_run_status_finished"),
    ]

    operations = [
        migrations.AddField(
            model_name="projectaccount",
            name="creation_succeeded_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="replicationrun",
            name="timed_waits",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="replicationrun",
            name="wait_kind",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name="replicationrun",
            name="waiting_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(creations_that_succeeded, migrations.RunPython.noop),
    ]
