"""The strict emulator's settings: how long creations and a new account's grace last, how
Identity Center's account assignments end, and how accounts are closed."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass
class Strictness:
    """How long a creation stays in flight, a new account's grace, the creations per org, how
    many status reads an account assignment stays IN_PROGRESS and which ones fail, how many
    reads a closure stays PENDING_CLOSURE, and the closure quota."""

    access_grace_seconds: float = 0.0
    creation_seconds: float = 0.0
    creations_in_flight_limit: int = 5
    # AWS never assigns at once: the status reads answering IN_PROGRESS before the end.
    assignment_polls_in_progress: int = 1
    # PermissionSetArn -> FailureReason: its assignment requests (creations, deletions) fail.
    assignment_failures: dict[str, str] = field(default_factory=dict)
    # AWS never closes at once: the DescribeAccount reads answering PENDING_CLOSURE first.
    closure_polls_pending: int = 1
    # Closures an organization may make in a rolling 30 days; None: AWS's rule (closure).
    close_account_quota: int | None = None


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
    for setting in fields(Strictness):
        # A copy: a test that edits a setting's dict in place must not edit the baseline.
        setattr(settings, setting.name, copy.deepcopy(getattr(_baseline, setting.name)))
