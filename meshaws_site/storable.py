"""Text that no database column stores: NUL (PostgreSQL refuses it) and lone surrogates (no
UTF-8 for them). JSON carries both as \\u escapes, so the JSON entry points refuse them."""

from __future__ import annotations

import re
from typing import Any

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_text(data: Any) -> str | None:
    """'<path>: contains …' for the first text or key in `data` no database stores, or None."""
    pending: list[tuple[str, Any]] = [("", data)]
    while pending:  # a loop, not recursion: a body may nest as deep as its parser allows
        path, value = pending.pop()
        if isinstance(value, str):
            found = _UNSTORABLE.search(value)
            if found is not None:
                where = _UNSTORABLE.sub("?", path) or "(value)"
                return f"{where}: contains U+{ord(found[0]):04X}, which no text field can store"
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                inner = f"{path}.{key}" if path else str(key)
                pending += [(inner, item), (inner, key)]
        elif isinstance(value, list):
            pending += [(f"{path}[{i}]", item) for i, item in reversed(list(enumerate(value)))]
    return None
