"""An account's `State` decides (AWS retired `Status` on 2026-09-09): only ACTIVE goes on."""

from datetime import timedelta

import pytest
from django.utils import timezone

from replication import engine
from replication.models import ReplicationRun
from replication.services import request_replication
from tests.helpers import Scheduler, account_made_outside, run_to_end

pytestmark = pytest.mark.sandbox


@pytest.fixture
def account_states(monkeypatch):
    """AWS's Account shapes as they are now: a `State` (set here per id), and no `Status`."""
    from moto.organizations import models as org_models

    original = org_models.FakeAccount.describe
    states = {}

    def describe(self):
        shape = original(self)
        shape.pop("Status", None)  # the strict emulator already drops it
        shape["State"] = states.get(self.id, "ACTIVE")
        return shape

    monkeypatch.setattr(org_models.FakeAccount, "describe", describe)
    return states


@pytest.fixture
def ready_account(enable, account_states):
    account, run = enable()
    assert run_to_end(run.pk)[0] == "succeeded"  # an ACTIVE account needs no `Status`
    account.refresh_from_db()
    return account


@pytest.mark.parametrize(
    ("state", "what_to_do"),
    [
        ("SUSPENDED", "reopen it through AWS Support"),
        ("PENDING_CLOSURE", "its closure was requested in AWS"),
        ("CLOSED", "it cannot be reopened"),
    ],
)
def test_a_run_of_a_closed_or_suspended_account_fails_saying_what_to_do(
    ready_account, account_states, state, what_to_do
):
    account_states[ready_account.aws_account_id] = state
    again, _ = request_replication(account=ready_account, trigger="resync", actor=None)
    assert run_to_end(again.pk)[0] == "failed"
    again.refresh_from_db()
    assert again.error_step == "account" and again.error_code == state
    assert again.error.startswith(f"AWS account {ready_account.aws_account_id} is {state}: ")
    assert what_to_do in again.error


def test_an_account_pending_activation_is_waited_for_until_its_deadline(
    ready_account, account_states
):
    account_states[ready_account.aws_account_id] = "PENDING_ACTIVATION"
    again, _ = request_replication(account=ready_account, trigger="resync", actor=None)
    for _ in range(engine.MAX_ATTEMPTS + 3):
        assert engine.execute(again.pk, schedule=Scheduler()) == "waiting"
    assert "PENDING_ACTIVATION" in again.steps.filter(name="account").last().remark

    ReplicationRun.objects.filter(pk=again.pk).update(
        waiting_since=timezone.now() - timedelta(hours=1, seconds=1)
    )
    assert engine.execute(again.pk, schedule=Scheduler()) == "failed"
    again.refresh_from_db()
    assert "stayed PENDING_ACTIVATION for 60 minutes" in again.error
    assert "its sign-up is not complete" in again.error


def test_an_account_that_becomes_active_again_replicates(ready_account, account_states):
    account_states[ready_account.aws_account_id] = "PENDING_ACTIVATION"
    again, _ = request_replication(account=ready_account, trigger="resync", actor=None)
    assert engine.execute(again.pk, schedule=Scheduler()) == "waiting"
    account_states[ready_account.aws_account_id] = "ACTIVE"
    assert run_to_end(again.pk)[0] == "succeeded"


def test_a_suspended_account_with_our_email_is_never_adopted(
    enable, project, account_states, sandbox_state
):
    old_id = account_made_outside(
        sandbox_state.endpoint_url, "aws+acme.web@sbx.io", "closed-before"
    )
    account_states[old_id] = "SUSPENDED"

    account, run = enable()
    assert run_to_end(run.pk)[0] == "failed"
    run.refresh_from_db()
    account.refresh_from_db()
    assert account.aws_account_id is None
    assert run.error.startswith(
        f"AWS account {old_id} (it has this account's e-mail aws+acme.web@sbx.io) is SUSPENDED: "
    )


def test_the_run_reads_no_status_field(ready_account, account_states, monkeypatch):
    """A closed account whose retired `Status` still says ACTIVE is refused: State decides."""
    from moto.organizations import models as org_models

    states_only = org_models.FakeAccount.describe
    monkeypatch.setattr(
        org_models.FakeAccount, "describe", lambda self: {**states_only(self), "Status": "ACTIVE"}
    )
    account_states[ready_account.aws_account_id] = "CLOSED"
    again, _ = request_replication(account=ready_account, trigger="resync", actor=None)
    assert run_to_end(again.pk)[0] == "failed"
