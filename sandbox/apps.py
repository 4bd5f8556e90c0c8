from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """The sandbox app: the `run_sandbox` command and the dashboard's emulator panel."""

    name = "sandbox"
    verbose_name = "Sandbox AWS emulator"
