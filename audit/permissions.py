"""The permissions of the audit log, as the code checks them (granted in accounts/roles.py)."""

VIEW_AUDIT_EVENTS = "audit.view_auditevent"
# Custom (AuditEvent.Meta.permissions): the CSV exports of the audit log and the run history.
EXPORT_AUDIT_EVENTS = "audit.export_auditevent"
