"""`{% sandbox_state as sandbox %}`: the dashboard's emulator panel, without a dependency of the
site's views on this app."""

from django import template
from django.conf import settings

from sandbox.setup import SANDBOX_LOCATION, SANDBOX_PLATFORMS, load_public_state

register = template.Library()


@register.simple_tag
def sandbox_state() -> dict:
    """The last bootstrap's state without its secrets, with the platforms `make run` points at
    it; {} when the sandbox never ran here."""
    state = load_public_state(settings.MESHAWS_SANDBOX_STATE_FILE)
    if not state:
        return {}
    return {**state, "platforms": [f"{name}.{SANDBOX_LOCATION}" for name in SANDBOX_PLATFORMS]}
