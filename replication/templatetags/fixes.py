"""`{% what_to_fix code=… step=… operation=… message=… as fix %}`: the catalogue's advice
(platforms.advice) for a run's error where a template has only its fields, or a retrying
account's message."""

from django import template

from replication.what_to_fix import advice_for

register = template.Library()


@register.simple_tag
def what_to_fix(code="", step="", operation="", message=""):
    """The advice (text, field) for the error; its operation and code read from `message`."""
    return advice_for(
        code=code or "", step=step or "", operation=operation or "", message=message or ""
    )
