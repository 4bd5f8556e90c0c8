"""Permissions of the replication history, as the code checks them (see accounts/roles.py)."""

# Runs, their steps and batches are read with one permission: history nobody changes by hand.
VIEW_RUNS = "replication.view_replicationrun"
