"""`{% sandbox_state as sandbox %}`: the dashboard's emulator panel, without a dependency of the
site's views on this app."""

from django import template
from django.conf import settings

from sandbox.setup import load_public_state

register = template.Library()


@register.simple_tag
def sandbox_state() -> dict:
    """The last bootstrap's state without its secrets; {} when the sandbox never ran here."""
    return load_public_state(settings.MESHAWS_SANDBOX_STATE_FILE)
