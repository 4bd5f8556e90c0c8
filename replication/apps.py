from django.apps import AppConfig


class ReplicationConfig(AppConfig):
    """Runs, steps and batches; the engine, its jobs, and the pages that show them."""

    name = "replication"
    verbose_name = "Replication"

    def ready(self) -> None:
        # Connects the receivers of the platform and project changes that call for runs.
        from . import receivers  # noqa: F401
