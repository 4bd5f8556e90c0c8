"""The emulator's process: moto made as strict as AWS, with the managed policies mappings use.

moto is only in the `sandbox` extra: only the emulator's process (`run_sandbox`, the tests'
in-process server, the benchmarks' emulator) imports this module.
"""

from __future__ import annotations

import json
import os

import moto.iam.models as iam_models  # a module attribute, not public API: moto is pinned

from sandbox import strict_emulator

# The subset of AWS-managed policies the emulator loads (all of them cost ~1 s and ~31 MB
# per account); role mappings in the sandbox may attach these.
SANDBOX_MANAGED_POLICIES = ("AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess")
# `make run`'s emulator makes a creation and a new account's grace last a few seconds, as AWS
# makes them last minutes, so that waiting shows; the tests keep them at 0 unless they test it.
SANDBOX_CREATION_SECONDS = 5.0
SANDBOX_ACCESS_GRACE_SECONDS = 5.0


def prepare_emulator_process() -> None:
    """Make moto, in this process, as strict as AWS and load the managed policies mappings use.

    Must run before the emulator creates its first account.
    """
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    every_policy = json.loads(iam_models.aws_managed_policies_data)
    iam_models.aws_managed_policies_data = json.dumps(
        {name: every_policy[name] for name in SANDBOX_MANAGED_POLICIES}
    )
    strict_emulator.install()


def make_emulator_realistic() -> None:
    """Make creations and new accounts' grace last a few seconds in this emulator process."""
    strict_emulator.configure(
        creation_seconds=SANDBOX_CREATION_SECONDS,
        access_grace_seconds=SANDBOX_ACCESS_GRACE_SECONDS,
    )
