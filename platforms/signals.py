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
# `platform`, `before` and `after` (PlatformRecord).
platform_changed = Signal()


def preview_change(platform, before, after):
    """The first impact a receiver reports for this change, or None when nothing is affected."""
    responses = platform_change_previewed.send(
        sender=type(platform), platform=platform, before=before, after=after
    )
    return next((impact for _, impact in responses if impact is not None), None)
