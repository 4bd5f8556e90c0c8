"""The twelve steps of a replication run (behaviour.md §5), in order.

Each step reads, compares, and writes only what differs, so a run is safe to repeat; it
returns a StepResult, or raises StepWaiting / StepFailed / aws.AwsError.
"""

from .base import RunContext, StepFailed, StepResult, StepWaiting
from .bootstrap import bootstrap_stack, finish
from .member import access, alias, identity_provider, roles
from .organization import account, connect, external_avm, organizational_unit, tags, validate

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
    ("bootstrap-stack", bootstrap_stack),
    ("finish", finish),
)

__all__ = ["STEPS", "RunContext", "StepFailed", "StepResult", "StepWaiting"]
