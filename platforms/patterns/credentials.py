"""Keyless credentials: the web identity token file that AssumeRoleWithWebIdentity reads."""

from __future__ import annotations

from urllib.parse import urlsplit

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


# Hosts a web identity token may be sent to besides AWS's own: a local emulator.
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn")


def validate_web_identity_endpoint(endpoint_url: str) -> None:
    """Check endpointUrl where webIdentity is used: AWS itself, or an emulator on this machine.

    AssumeRoleWithWebIdentity carries the server's token in the request (no signature keeps
    it back), and unlike stored secrets it cannot be typed again to prove a change is allowed.
    """
    try:
        host = (urlsplit(endpoint_url).hostname or "").lower()
    except ValueError:  # not a URL at all (an unclosed IPv6 bracket, say)
        host = ""
    if host in _LOCAL_HOSTS or host.endswith(_AWS_HOST_SUFFIXES):
        return
    raise ValidationError(
        f"with webIdentity, endpointUrl may only name AWS (*.amazonaws.com) or an emulator on "
        f"this machine (localhost, 127.0.0.1, ::1), not {host or 'this URL'}: the server's web "
        "identity token would be sent there",
        code="token_destination",
    )
