"""The steps of a replication run (behaviour.md §5, and Identity Center's three), in order.

Each step reads, compares, and writes only what differs, so a run is safe to repeat; it
returns a StepResult, or raises StepWaiting / StepFailed / aws.AwsError, which the engine
turns into one outcome (replication.outcomes).

Pages read only `STEP_NAMES`, the steps' names in order; `STEPS` is the engine's.
"""

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
# What a run's page shows: the step names in the order a run takes them.
STEP_NAMES: tuple[str, ...] = tuple(name for name, _ in STEPS)

__all__ = ["STEPS", "STEP_NAMES", "RunContext", "StepFailed", "StepResult", "StepWaiting"]
