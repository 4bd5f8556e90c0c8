"""The security tests reuse the leak crawler's objects: every kind of object a URL can name."""

from tests.platforms.test_secret_leaks import admin_user, project_on_platform  # noqa: F401
