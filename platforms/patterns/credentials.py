"""Keyless credentials: the web identity token file that AssumeRoleWithWebIdentity reads."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from ._messages import _describe

# PATH_MAX on Linux.
MAX_TOKEN_FILE_PATH = 4096


def validate_token_file(value: str) -> None:
    """Check webIdentity.tokenFile: an absolute path on the server, such as IRSA's token path."""
    bad = next((char for char in value if not char.isprintable()), None)
    if bad is not None:
        raise ValidationError(f"contains {_describe(bad)}; give a file path", code="bad_char")
    if not value.startswith("/"):
        raise ValidationError(
            "must be an absolute path on the meshaws server, for example "
            "/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
            code="relative_path",
        )
    if value.endswith("/"):
        raise ValidationError("names a folder; give the token file's path", code="folder")
