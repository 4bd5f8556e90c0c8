"""What replication tells the apps above it (notifications), which it never imports.

`account_status_changed` is sent after a run moved a project account into another status, with
`account` (ProjectAccount, already saved), `old` and `new` (ProjectAccount.Status values) and
`run` (the ReplicationRun). Receivers must not raise: the engine logs and goes on.
"""

from django.dispatch import Signal

account_status_changed = Signal()
