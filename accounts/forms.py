"""Forms for customers, projects, bindings and enabling projects on platforms.

They only parse input; the services validate it (through platforms/patterns.py) and their
ValidationErrors come back onto these forms' fields.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from platforms.models import PlatformInstance

from .filters import PlatformChoiceField
from .models import Customer, Project, ProjectRole


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (unknown fields: the form)."""
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class CustomerForm(forms.Form):
    identifier = forms.CharField(
        max_length=100, help_text="lowercase letters, digits, single hyphens; at most 16"
    )
    display_name = forms.CharField(max_length=100, required=False)


class TagsField(forms.CharField):
    """Tags as `key=value` lines."""

    widget = forms.Textarea(attrs={"rows": 3, "spellcheck": "false"})

    def to_python(self, value) -> dict[str, str]:
        tags: dict[str, str] = {}
        for number, line in enumerate((value or "").splitlines(), start=1):
            if not line.strip():
                continue
            key, equals, tag_value = line.partition("=")
            if not equals or not key.strip():
                raise ValidationError(f"line {number}: write each tag as key=value")
            tags[key.strip()] = tag_value.strip()
        return tags

    def prepare_value(self, value):
        if isinstance(value, dict):
            return "\n".join(f"{key}={tag}" for key, tag in value.items())
        return value


class ProjectForm(forms.Form):
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.order_by("identifier"), to_field_name="identifier"
    )
    identifier = forms.CharField(
        max_length=100, help_text="lowercase letters, digits, single hyphens; at most 30"
    )
    display_name = forms.CharField(max_length=100, required=False)
    tags = TagsField(required=False, help_text="one key=value per line")


class ProjectEditForm(forms.Form):
    display_name = forms.CharField(max_length=100, required=False)
    tags = TagsField(required=False, help_text="one key=value per line")


class BindingForm(forms.Form):
    user = forms.CharField(max_length=254, help_text="the user's id, usually an e-mail address")
    role = forms.ModelChoiceField(queryset=ProjectRole.objects.all(), to_field_name="identifier")
    expires_at = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="optional; the binding ends then",
    )  # fmt: skip


class BindingEditForm(forms.Form):
    role = forms.ModelChoiceField(queryset=ProjectRole.objects.all(), to_field_name="identifier")
    expires_at = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class OpenPlatformChoices(forms.models.ModelChoiceIterator):
    """The platforms offered: those that accept new accounts (not deprecated)."""

    def __init__(self, field):
        super().__init__(field)
        self.queryset = field.queryset.filter(deprecated_at__isnull=True)


class PlatformField(forms.ModelChoiceField):
    """A platform: offers the open ones, accepts any.

    A deprecated one posted anyway reaches the service, whose reason lands on this field
    rather than "not one of the available choices".
    """

    iterator = OpenPlatformChoices


class EnableForm(forms.Form):
    platform = PlatformField(
        queryset=PlatformInstance.objects.select_related("location").order_by(
            "location__identifier", "identifier"
        ),
        to_field_name="pk",
    )
    landing_zone = forms.CharField(
        max_length=63, required=False, help_text="identifier; empty: the platform's first"
    )
    aws_account_id = forms.CharField(
        label="Adopt AWS account id", max_length=20, required=False,
        help_text="only to adopt an existing account; empty creates a new one",
    )  # fmt: skip


class BulkEnableForm(forms.Form):
    """Many projects to enable on one platform (`platform.location`), in one landing zone."""

    platform = PlatformChoiceField(
        queryset=PlatformInstance.objects.select_related("location"), label="Platform"
    )
    landing_zone = forms.CharField(
        max_length=63, required=False, help_text="identifier; empty: the platform's first"
    )
    projects = forms.ModelMultipleChoiceField(
        queryset=Project.objects.select_related("customer"), label="Projects",
        error_messages={"required": "choose at least one project"},
    )  # fmt: skip
