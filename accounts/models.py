"""Customers, projects, bindings, project accounts and replication history (issues 5 and 6).

The staff roles are Django groups: see roles.py.
"""
