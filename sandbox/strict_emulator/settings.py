"""The strict emulator's settings: how long creations and a new account's grace last."""

from __future__ import annotations

import threading
from dataclasses import dataclass, fields
from typing import Any


@dataclass
class Strictness:
    """How long a creation stays in flight, a new account's grace, the creations per org."""

    access_grace_seconds: float = 0.0
    creation_seconds: float = 0.0
    creations_in_flight_limit: int = 5


settings = Strictness()
_baseline = Strictness()
# The emulator serves requests on many threads; checks and the writes they guard take this.
lock = threading.RLock()


def configure(**changes: Any) -> None:
    """Change the settings, and make them the ones a reset of the emulator brings back."""
    for name, value in changes.items():
        if not hasattr(_baseline, name):
            raise TypeError(f"the strict emulator has no setting {name!r}")
        setattr(_baseline, name, value)
    restore()


def restore() -> None:
    """Bring the settings back to the last `configure()` (moto's reset calls this)."""
    for field in fields(Strictness):
        setattr(settings, field.name, getattr(_baseline, field.name))
