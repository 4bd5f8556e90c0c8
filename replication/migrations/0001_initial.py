"""Replication runs, steps and batches move here from the accounts app, tables and rows unchanged."""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MOVED = ("replicationrun", "replicationstep", "replicationbatch")


def _relabel(apps, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not content_type.objects.filter(app_label=new, model=model).exists():
            content_type.objects.filter(app_label=old, model=model).update(app_label=new)


def move_content_types(apps, schema_editor) -> None:
    _relabel(apps, "accounts", "replication")


def move_content_types_back(apps, schema_editor) -> None:
    _relabel(apps, "replication", "accounts")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0010_run_timed_waits"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        # The tables stay where they are (accounts_replication*): only Django's idea of which
        # app owns the models changes, so no row is copied or lost.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ReplicationRun",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        (
                            "trigger",
                            models.CharField(
                                choices=[
                                    ("account_created", "account created"),
                                    ("configuration_changed", "configuration changed"),
                                    ("bindings_changed", "bindings changed"),
                                    ("project_changed", "project changed"),
                                    ("resync", "re-sync requested"),
                                    ("schedule", "daily schedule"),
                                    ("command", "manage.py replicate"),
                                ],
                                max_length=32,
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "pending"),
                                    ("running", "running"),
                                    ("waiting", "waiting"),
                                    ("succeeded", "succeeded"),
                                    ("failed", "failed"),
                                ],
                                default="pending",
                                max_length=16,
                            ),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("attempt", models.PositiveIntegerField(default=0)),
                        ("waits_in_line", models.PositiveIntegerField(default=0)),
                        ("timed_waits", models.PositiveIntegerField(default=0)),
                        ("wait_kind", models.CharField(blank=True, max_length=32)),
                        ("waiting_since", models.DateTimeField(blank=True, null=True)),
                        ("next_attempt_at", models.DateTimeField(blank=True, null=True)),
                        ("lease_expires_at", models.DateTimeField(blank=True, null=True)),
                        ("error", models.TextField(blank=True)),
                        ("error_step", models.CharField(blank=True, max_length=32)),
                        ("error_operation", models.CharField(blank=True, max_length=64)),
                        ("error_code", models.CharField(blank=True, max_length=100)),
                        (
                            "account",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="runs",
                                to="accounts.projectaccount",
                            ),
                        ),
                        (
                            "requested_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_replicationrun",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="ReplicationBatch",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("description", models.CharField(max_length=200)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "requested_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "runs",
                            models.ManyToManyField(
                                related_name="batches", to="replication.replicationrun"
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_replicationbatch",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="ReplicationStep",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("attempt", models.PositiveIntegerField(default=1)),
                        ("position", models.PositiveSmallIntegerField()),
                        ("name", models.CharField(max_length=32)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("ok", "ok"),
                                    ("changed", "changed"),
                                    ("waiting", "waiting"),
                                    ("skipped", "skipped"),
                                    ("warning", "warning"),
                                    ("failed", "failed"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("started_at", models.DateTimeField()),
                        ("finished_at", models.DateTimeField()),
                        ("remark", models.TextField(blank=True)),
                        ("detail", models.TextField(blank=True)),
                        ("aws_calls", models.JSONField(blank=True, default=list)),
                        (
                            "run",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="steps",
                                to="replication.replicationrun",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_replicationstep",
                        "ordering": ["run", "attempt", "position"],
                    },
                ),
                migrations.AddIndex(
                    model_name="replicationrun",
                    index=models.Index(
                        fields=["account", "-created_at"], name="run_account_recent"
                    ),
                ),
                migrations.AddIndex(
                    model_name="replicationrun",
                    index=models.Index(fields=["status", "next_attempt_at"], name="run_status_due"),
                ),
                migrations.AddIndex(
                    model_name="replicationrun",
                    index=models.Index(fields=["created_at", "id"], name="run_recent"),
                ),
                migrations.AddIndex(
                    model_name="replicationrun",
                    index=models.Index(fields=["status", "created_at"], name="run_status_recent"),
                ),
                migrations.AddIndex(
                    model_name="replicationrun",
                    index=models.Index(fields=["trigger", "created_at"], name="run_trigger_recent"),
                ),
                migrations.AddIndex(
                    model_name="replicationrun",
                    index=models.Index(
                        fields=["status", "finished_at"], name="run_status_finished"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="replicationrun",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("status__in", ["pending", "running", "waiting"])),
                        fields=("account",),
                        name="replication_run_one_active_per_account",
                        violation_error_message="the account already has a run in progress",
                    ),
                ),
                migrations.AddIndex(
                    model_name="replicationstep",
                    index=models.Index(
                        fields=["run", "attempt", "position"], name="step_run_order"
                    ),
                ),
            ],
            database_operations=[],
        ),
        # Permissions (and the groups holding them) follow their models to this app.
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
