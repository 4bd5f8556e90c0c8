"""The accounts list's filters, declared once: the accounts page and the API's
`/api/v1/accounts/` read the same parameters the same way; and the retirements queue's (its
page and `/api/v1/retirements/`)."""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import Q
from drf_spectacular.utils import extend_schema_field

from platforms.models import PlatformInstance

from .models import AccountRetirement, ProjectAccount

# `<left>.<right>`: how the API and the pages name a project and a platform.
DOTTED = re.compile(r"\A[^.\x00]+\.[^.\x00]+\Z")


class PlatformChoiceField(django_filters.fields.ModelChoiceField):
    """A platform chosen by its `platform.location` name (a select of them on a page)."""

    default_error_messages = {
        "invalid_choice": "no platform '%(value)s' (write it as platform.location)"
    }

    def label_from_instance(self, platform: PlatformInstance) -> str:
        return platform.full_identifier

    def prepare_value(self, value):
        if isinstance(value, PlatformInstance):
            return value.full_identifier
        return super().prepare_value(value)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        identifier, _, location = text.partition(".")
        # The shape first: a NUL never reaches the database (PostgreSQL refuses it: a 500).
        found = DOTTED.match(text) and (
            self.queryset.filter(identifier=identifier, location__identifier=location).first()
        )
        if not found:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": text}
            )
        return found


@extend_schema_field({"type": "string", "description": "a platform, as platform.location"})
class PlatformFilter(django_filters.ModelChoiceFilter):
    """Rows on one platform, named `platform.location`; an unknown one is refused (400)."""

    field_class = PlatformChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", "Platform")
        kwargs.setdefault("empty_label", "any platform")
        kwargs.setdefault(
            "queryset",
            PlatformInstance.objects.select_related("location").order_by(
                "location__identifier", "identifier"
            ),
        )
        super().__init__(*args, **kwargs)


class ProjectAccountFilter(django_filters.FilterSet):
    """Live accounts by customer, project, platform, landing zone, status and a text search."""

    customer = django_filters.CharFilter(
        field_name="project__customer__identifier", label="Customer",
        help_text="customer identifier",
    )  # fmt: skip
    project = django_filters.CharFilter(
        method="of_project", label="Project", help_text="customer.project",
        validators=[RegexValidator(DOTTED, "write it as customer.project")],
        widget=forms.TextInput(attrs={"placeholder": "customer.project"}),
    )  # fmt: skip
    platform = PlatformFilter(field_name="platform")
    landing_zone = django_filters.CharFilter(
        field_name="landing_zone__identifier", label="Landing zone",
        help_text="landing zone identifier",
    )  # fmt: skip
    status = django_filters.ChoiceFilter(
        choices=ProjectAccount.Status.choices, empty_label="any status"
    )
    q = django_filters.CharFilter(
        method="search", label="Search", help_text="part of the e-mail, alias, name or AWS id"
    )

    class Meta:
        model = ProjectAccount
        fields = ["customer", "project", "platform", "landing_zone", "status", "q"]

    def of_project(self, queryset, name, value):
        """Accounts of the project `customer.project`."""
        customer, _, project = value.partition(".")
        return queryset.filter(project__customer__identifier=customer, project__identifier=project)

    def search(self, queryset, name, value):
        """Accounts whose e-mail, alias, AWS account id or name contains `value`."""
        return queryset.filter(
            Q(email__icontains=value)
            | Q(alias__icontains=value)
            | Q(aws_account_id__icontains=value)
            | Q(name__icontains=value)
        )


class AccountRetirementFilter(django_filters.FilterSet):
    """Retirement requests by decision, platform, project (customer.project) and requester."""

    decision = django_filters.ChoiceFilter(
        choices=AccountRetirement.Decision.choices, empty_label="any decision",
        help_text="pending (requires approval), approved or declined",
    )  # fmt: skip
    platform = PlatformFilter(field_name="account__platform")
    project = django_filters.CharFilter(
        method="of_project", label="Project", help_text="customer.project",
        validators=[RegexValidator(DOTTED, "write it as customer.project")],
        widget=forms.TextInput(attrs={"placeholder": "customer.project"}),
    )  # fmt: skip
    requested_by = django_filters.CharFilter(
        field_name="requested_by__username", max_length=150, label="Requested by",
        help_text="username of who asked for the retirement",
        widget=forms.TextInput(attrs={"placeholder": "username"}),
    )  # fmt: skip

    class Meta:
        model = AccountRetirement
        fields = ["decision", "platform", "project", "requested_by"]

    def of_project(self, queryset, name, value):
        """Retirements of the project `customer.project`'s accounts."""
        customer, _, project = value.partition(".")
        return queryset.filter(
            account__project__customer__identifier=customer, account__project__identifier=project
        )
