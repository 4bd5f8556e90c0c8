"""Every variable the settings read is documented in .env.example with a comment."""

import re

from django.conf import settings

READ = re.compile(r"""env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)\"""")


def _documented() -> dict[str, str]:
    lines = (settings.BASE_DIR / ".env.example").read_text().splitlines()
    documented = {}
    for number, line in enumerate(lines):
        if "=" in line and not line.startswith("#"):
            comment = lines[number - 1] if number else ""
            documented[line.split("=", 1)[0]] = comment
    return documented


def test_every_setting_read_from_the_environment_is_documented():
    source = (settings.BASE_DIR / "meshaws_site" / "settings.py").read_text()
    read = set(READ.findall(source))
    assert {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "MESHAWS_ENCRYPTION_KEYS"} <= read
    documented = _documented()
    assert read <= set(documented), read - set(documented)
    for name, comment in documented.items():
        assert comment.startswith("# "), f"{name} has no comment line above it"
