"""`{% notification_section platform %}`: the platform page's notifications, drawn by this
app, so that platforms' template names it without platforms importing notifications."""

from django import template

from notifications.views import section_context

register = template.Library()


@register.inclusion_tag("notifications/_platform_section.html", takes_context=True)
def notification_section(context, platform):
    """The contacts, the add form (operators) and the recent deliveries of `platform`."""
    request = context["request"]
    return {**section_context(request.user, platform), "csrf_token": context.get("csrf_token")}
