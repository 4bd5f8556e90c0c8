"""Secrets typed into the platform form, carried between pages sealed, never in clear.

A page that sends the form back (the impact preview, the form after a validation error)
holds the secrets the operator typed as one `sealed_secrets` value: encrypted with the
server's key. The next post opens it and fills each secret box left empty.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from django.http import QueryDict

from platforms import secrets

from .mapping import SECRET_FIELDS

SEALED = "sealed_secrets"


def typed_secrets(data: Mapping[str, str]) -> dict[str, str]:
    """The secrets given in the posted form, by field."""
    return {name: data[name] for name in SECRET_FIELDS if data.get(name)}


def seal(data: Mapping[str, str]) -> str:
    """The posted form's secrets, sealed; empty when none was typed."""
    typed = typed_secrets(data)
    return secrets.encrypt(json.dumps(typed)) if typed else ""


def unseal(data: QueryDict) -> QueryDict:
    """The posted form with each secret box left empty filled from `sealed_secrets`.

    A value typed again wins. A seal the server cannot open is ignored: the boxes stay empty
    and the form says what is missing.
    """
    sealed = data.get(SEALED)
    if not sealed:
        return data
    try:
        typed = json.loads(secrets.decrypt(sealed))
    except (secrets.SecretUnreadable, ValueError):
        return data
    data = data.copy()
    for name, value in typed.items():
        if name in SECRET_FIELDS and isinstance(value, str) and not data.get(name):
            data[name] = value
    return data
