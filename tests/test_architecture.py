"""The apps import alone, in any order: no cycle hidden by an import inside a function."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

APPS = (
    "aws",
    "audit",
    "platforms",
    "accounts",
    "replication",
    "notifications",
    "sandbox",
    "meshaws_site",
)
# Modules that run something when imported, not libraries: a server's entry points, cron.
NOT_LIBRARIES = {
    "meshaws_site.asgi",
    "meshaws_site.wsgi",
    "replication.cron",
    "notifications.cron",
}


def modules_of(app: str) -> list[str]:
    """Every module of the app, migrations and management commands included."""
    path = Path(settings.BASE_DIR) / app
    found = [app]
    for info in pkgutil.walk_packages([str(path)], prefix=f"{app}."):
        if info.name not in NOT_LIBRARIES:
            found.append(info.name)
    return found


@pytest.mark.parametrize("app", APPS)
def test_each_app_imports_alone_first(app):
    """A fresh interpreter imports all of the app's modules before any other app's."""
    script = (
        "import django, importlib, sys\n"
        "django.setup(set_prefix=False)\n"
        "for name in sys.argv[1:]:\n"
        "    importlib.import_module(name)\n"
    )
    # django.setup() imports every app's models and AppConfig; for the app's own modules to go
    # first, each module is also imported before setup in a second interpreter.
    plain = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    modules = modules_of(app)
    env = {"DJANGO_SETTINGS_MODULE": "meshaws_site.test_settings", "PATH": "/usr/bin:/bin"}
    for code, names in ((script, modules), (plain, [app])):
        done = subprocess.run(
            [sys.executable, "-c", code, *names],
            cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
