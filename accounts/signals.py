"""What the accounts app tells the apps above it: these accounts must reach AWS again.

`replication` connects a receiver that requests a run of each account, with the reason as the
run's trigger (replication.models.ReplicationRun.Trigger takes its values from here).
"""

from django.dispatch import Signal

# Why accounts want a run.
ACCOUNT_CREATED = "account_created"
PROJECT_CHANGED = "project_changed"
BINDINGS_CHANGED = "bindings_changed"
# A retirement was approved (by an operator or the landing zone): the run retires the account.
DELETION_APPROVED = "deletion_approved"
# Not sent by a service: the time of a binding's `expires_at` came (replication schedules it).
BINDING_EXPIRED = "binding_expired"

# Sent inside the service's transaction with `accounts` (an iterable of ProjectAccount),
# `reason` (one of the above), `actor` (None: the system) and `cause` (the change's audit event,
# or None), which the runs record.
accounts_changed = Signal()


def replicate(accounts, reason: str, actor=None, cause=None) -> None:
    """Tell the apps above that these accounts changed for `reason` (`cause`: its audit event)."""
    accounts_changed.send(sender=reason, accounts=accounts, reason=reason, actor=actor, cause=cause)


# Sent after the transaction of a retirement request committed, when the request waits for a
# second operator's approval (its landing zone does not approve at once), with `retirement`
# (AccountRetirement), `account` (ProjectAccount) and `actor` (the requester; None: system).
retirement_needs_approval = Signal()
