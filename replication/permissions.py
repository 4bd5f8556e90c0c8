"""Permissions of the replication history, as the code checks them (see accounts/roles.py)."""

from platforms.permissions import CHANGE_PLATFORM

# Runs, their steps and batches are read with one permission: history nobody changes by hand.
VIEW_RUNS = "replication.view_replicationrun"

VIEW_UNMANAGED_ACCOUNTS = "replication.view_unmanagedaccount"
# A scan reads the organization with the platform's management role: who may configure the
# platform (operators) may start one.
DISCOVER = CHANGE_PLATFORM
