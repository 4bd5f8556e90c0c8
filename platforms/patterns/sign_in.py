"""The console sign-in URL template of a platform: its placeholders, validation and rendering."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

MAX_CONSOLE_SIGN_IN_URL_TEMPLATE = 2000

# Placeholder → a value of its kind, to check that every rendering is a URL.
_SAMPLES = {
    "account_id": "123456789012",
    "role_name": "meshProjectAdminRole",
    "role_arn": "arn:aws:iam::123456789012:role/meshProjectAdminRole",
    "provider_arn": "arn:aws:iam::123456789012:saml-provider/meshstack-idp",
    "alias": "acme-web",
    "platform": "aws-prod",
}
CONSOLE_SIGN_IN_PLACEHOLDERS = tuple(_SAMPLES)
_PLACEHOLDERS_TEXT = ", ".join(f"{{{name}}}" for name in CONSOLE_SIGN_IN_PLACEHOLDERS)
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def _shown(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _stray_brace_problem(template: str, start: int, end: int) -> str | None:
    """What is wrong with a `{` or `}` in template[start:end] (no placeholder there), or None."""
    opening, closing = template.find("{", start, end), template.find("}", start, end)
    if opening != -1 and (closing == -1 or opening < closing):
        return (
            f"has a '{{' that is not closed at '{_shown(template[opening:], 20)}'; write "
            "placeholders as {name}"
        )
    if closing != -1:
        return (
            f"has a '}}' without '{{' after '{_shown(template[start:closing], 20)}'; write "
            "placeholders as {name}"
        )
    return None


def _placeholder_names(template: str) -> list[str]:
    """The placeholders of a template, checking its braces; ValidationError names the bad one."""
    names, position = [], 0
    for match in _PLACEHOLDER.finditer(template):
        problem = _stray_brace_problem(template, position, match.start())
        if problem is not None:
            raise ValidationError(problem, code="malformed_placeholder")
        name = match[1]
        if not name:
            raise ValidationError(
                f"has an empty placeholder {{}}; use {_PLACEHOLDERS_TEXT}",
                code="unknown_placeholder",
            )
        if name not in _SAMPLES:
            raise ValidationError(
                f"has the unknown placeholder {{{_shown(name)}}}; use {_PLACEHOLDERS_TEXT}",
                code="unknown_placeholder",
            )
        names.append(name)
        position = match.end()
    problem = _stray_brace_problem(template, position, len(template))
    if problem is not None:
        raise ValidationError(problem, code="malformed_placeholder")
    return names


def _substitute(template: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda match: quote(values[match[1]], safe=""), template)


def validate_console_sign_in_url_template(value: str) -> None:
    """Check a console sign-in URL template: https (http for localhost) with known {names}."""
    if len(value) > MAX_CONSOLE_SIGN_IN_URL_TEMPLATE:
        raise ValidationError(
            f"has {len(value)} characters; at most {MAX_CONSOLE_SIGN_IN_URL_TEMPLATE} are allowed",
            code="too_long",
        )
    _placeholder_names(value)
    url = _substitute(value, _SAMPLES)
    scheme = url.partition(":")[0].lower()
    if scheme not in ("https", "http"):
        raise ValidationError(
            "must start with https:// (http:// only for localhost)", code="invalid_scheme"
        )
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError(
            f"does not give a valid URL (with sample values: {_shown(url, 120)})",
            code="invalid_url",
        ) from None
    host = (urlsplit(url).hostname or "").lower()
    if scheme == "http" and host not in _LOCAL_HOSTS and not host.endswith(".localhost"):
        raise ValidationError(
            f"uses http:// for {host}; sign-in links must use https:// (http:// only for "
            "localhost)",
            code="insecure_url",
        )


def console_sign_in_placeholders(template: str) -> tuple[str, ...]:
    """The placeholder names a valid template uses, in order."""
    return tuple(_placeholder_names(template))


def render_console_sign_in_url(
    template: str,
    *,
    account_id: str,
    role_name: str,
    role_arn: str,
    provider_arn: str,
    alias: str,
    platform: str,
) -> str | None:
    """The sign-in URL (values URL-quoted), or None when a placeholder it uses has no value."""
    values = {
        "account_id": account_id,
        "role_name": role_name,
        "role_arn": role_arn,
        "provider_arn": provider_arn,
        "alias": alias,
        "platform": platform,
    }
    try:
        names = _placeholder_names(template)
    except ValidationError:  # stored templates were validated; never fail a page over one
        return None
    if not all(values[name] for name in names):
        return None
    return _substitute(template, values)
