"""The path-tracking reader that parsing uses to read values and collect errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError


class _Reader:
    """Reads values out of a nested mapping by path, collecting every error with its path."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def error(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    def check(self, path: str, validator: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a patterns validator; its ValidationError becomes an error at `path`."""
        try:
            return validator(*args, **kwargs)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for key, errors in error.error_dict.items():
                    for message in errors:
                        self.error(key, " ".join(message.messages))
            else:
                for message in error.messages:
                    self.error(path, message)
            return None

    def mapping(self, data: Any, path: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
        if not isinstance(data, Mapping):
            self.error(path or "(record)", "must be an object")
            return {}
        for key in data:
            if key not in keys:
                self.error(_join(path, key), f"unknown key; expected one of: {', '.join(keys)}")
        return data

    def text(
        self, data: Mapping, path: str, key: str, *, required: bool, max_length: int = 0
    ) -> str:
        value = data.get(key)
        full = _join(path, key)
        if value is None or value == "":
            if required:
                self.error(full, "is required")
            return ""
        if not isinstance(value, str):
            self.error(full, "must be a text")
            return ""
        if max_length and len(value) > max_length:
            self.error(full, f"has {len(value)} characters; at most {max_length} are allowed")
            return ""
        return value

    def boolean(self, data: Mapping, path: str, key: str, default: bool) -> bool:
        value = data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(_join(path, key), "must be true or false")
            return default
        return value

    def integer(self, data: Mapping, path: str, key: str, default: int, low: int, high: int) -> int:
        value = data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(_join(path, key), "must be a whole number")
            return default
        if not low <= value <= high:
            self.error(_join(path, key), f"must be between {low} and {high}")
            return default
        return value


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if not key.strip():  # a blank key would leave the path empty or invisible: quote it
        return f"{path}[{json.dumps(key)}]"
    return f"{path}.{key}" if path else key
