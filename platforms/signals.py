"""What the platforms app tells the apps above it, which it never imports.

`replication` connects to both: it previews which accounts a change affects, and re-syncs them
once the change is saved.
"""

from django.dispatch import Signal

# Sent before an existing platform is changed from the edit page, with `platform` and the
# records `before` and `after`; a receiver returns what the change would affect (an object
# with `count`, `reasons` and `sample`), or None. The page asks for confirmation if any does.
platform_change_previewed = Signal()

# Sent inside platform_apply's transaction after an existing platform's record changed, with
# `platform`, `before` and `after` (PlatformRecord), and `cause`: the change's audit event.
platform_changed = Signal()


def preview_change(platform, before, after):
    """The first impact a receiver reports for this change, or None when nothing is affected."""
    responses = platform_change_previewed.send(
        sender=type(platform), platform=platform, before=before, after=after
    )
    return next((impact for _, impact in responses if impact is not None), None)


# Sent once per connection check run that had a failing check (the platform page, `manage.py
# check_platform`), with `platform`, `failures` (a list of {"name", "detail", "aws_error_code",
# "fix"}: the check's own text, which never holds a secret) and `actor` (None: a command).
connection_check_failed = Signal()


def report_connection_check(platform, checks, actor=None) -> None:
    """Tell the apps above when a connection check of `platform` had failing checks."""
    failures = [
        {"name": c.name, "detail": c.detail, "aws_error_code": c.aws_error_code, "fix": c.fix}
        for c in checks
        if not c.passed
    ]
    if failures:
        # Robust: a receiver's error must not cost the operator the check's answer.
        connection_check_failed.send_robust(
            sender=type(platform), platform=platform, failures=failures, actor=actor
        )


# Sent inside platforms_rotate_secrets' transaction: receivers re-encrypt the secrets their
# app stores (with platforms.secrets.rotate) and return how many they re-encrypted.
secrets_rotating = Signal()


def rotate_other_secrets() -> int:
    """How many secrets the apps above re-encrypted under the newest key."""
    return sum(int(count or 0) for _, count in secrets_rotating.send(sender=None))
