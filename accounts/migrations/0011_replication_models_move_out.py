"""The replication models now belong to the replication app (its 0001); their tables stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_run_timed_waits"),
        ("replication", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="replicationrun",
                    name="account",
                ),
                migrations.RemoveField(
                    model_name="replicationrun",
                    name="requested_by",
                ),
                migrations.RemoveField(
                    model_name="replicationstep",
                    name="run",
                ),
                migrations.DeleteModel(
                    name="ReplicationBatch",
                ),
                migrations.DeleteModel(
                    name="ReplicationRun",
                ),
                migrations.DeleteModel(
                    name="ReplicationStep",
                ),
            ],
            database_operations=[],
        ),
    ]
