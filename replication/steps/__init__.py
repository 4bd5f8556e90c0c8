"""The steps of a replication run (behaviour.md §5, and Identity Center's three), in order;
and the steps of a retirement run.

Each step reads, compares, and writes only what differs, so a run is safe to repeat; it
returns a StepResult, or raises StepWaiting / StepFailed / aws.AwsError, which the engine
turns into one outcome (replication.outcomes).

Pages read only the steps' names in order (`STEP_NAMES`, `RETIREMENT_STEP_NAMES`, or
`step_names(purpose)` for a run); `STEPS` and `RETIREMENT_STEPS` are the engine's, which
takes one or the other by the run's purpose.
"""

from replication.models import ReplicationRun

from . import retirement
from .assignments import assignments
from .base import RunContext, StepFailed, StepResult, StepWaiting
from .bootstrap import bootstrap_stack, finish
from .creation import account
from .identity_center import groups
from .member import access, alias, identity_provider, roles
from .memberships import memberships
from .organization import connect, external_avm, organizational_unit, tags, validate

STEPS = (
    ("validate", validate),
    ("connect", connect),
    ("account", account),
    ("external-avm", external_avm),
    ("tags", tags),
    ("organizational-unit", organizational_unit),
    ("access", access),
    ("alias", alias),
    ("identity-provider", identity_provider),
    ("roles", roles),
    # IAM Identity Center mode's; skipped in SAML mode (and the two above in this mode).
    ("groups", groups),
    ("memberships", memberships),
    ("assignments", assignments),
    ("bootstrap-stack", bootstrap_stack),
    ("finish", finish),
)
# A retirement: the account as it is found (never created), then what meshaws gave it undone.
RETIREMENT_STEPS = (
    ("validate", validate),
    ("connect", connect),
    ("account", retirement.account),
    ("revoke-access", retirement.revoke_access),
    ("untag", retirement.untag),
    ("retire-ou", retirement.retire_ou),
    ("close", retirement.close),
    ("finish", retirement.finish),
)
# What a run's page shows: the step names in the order a run takes them.
STEP_NAMES: tuple[str, ...] = tuple(name for name, _ in STEPS)
RETIREMENT_STEP_NAMES: tuple[str, ...] = tuple(name for name, _ in RETIREMENT_STEPS)


def step_names(purpose: str) -> tuple[str, ...]:
    """The names of the steps a run of this purpose takes, in order."""
    return RETIREMENT_STEP_NAMES if purpose == ReplicationRun.Purpose.RETIRE else STEP_NAMES


__all__ = [
    "RETIREMENT_STEPS",
    "RETIREMENT_STEP_NAMES",
    "STEPS",
    "STEP_NAMES",
    "RunContext",
    "StepFailed",
    "StepResult",
    "StepWaiting",
    "step_names",
]
