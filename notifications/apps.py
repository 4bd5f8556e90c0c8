from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Per-platform contacts, told of failures by e-mail or a signed webhook, by jobs."""

    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Connects the receivers of the lower apps' signals (accounts, platforms, replication).
        from . import receivers  # noqa: F401
