from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0003_keyed_fingerprints"),
    ]

    operations = [
        migrations.AddField(
            model_name="platforminstance",
            name="organization_id",
            field=models.CharField(blank=True, max_length=34),
        ),
        migrations.AddField(
            model_name="platforminstance",
            name="organization_read_from",
            field=models.TextField(blank=True),
        ),
    ]
