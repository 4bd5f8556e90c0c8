"""Forms of the Staff pages. They only parse input; accounts/services/staff.py validates it."""

from __future__ import annotations

from django import forms

from .roles import AUDITOR, OPERATOR, SUPPORT

ROLE_CHOICES = [
    (OPERATOR, "Operator: changes configuration and staff"),
    (SUPPORT, "Support: reads everything, requests re-syncs"),
    (AUDITOR, "Auditor: reads everything, exports the audit log"),
]


class PasswordField(forms.CharField):
    """A password typed in (never shown again, never stripped); empty means "generate one"."""

    def __init__(self, **kwargs):
        super().__init__(
            required=False,
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
            help_text=(
                "at least 8 characters, not common, not only digits, not like the username; "
                "leave empty to generate one, shown once"
            ),
            **kwargs,
        )

    def to_python(self, value) -> str | None:
        return super().to_python(value) or None


class StaffUserForm(forms.Form):
    username = forms.CharField(help_text="letters, digits and @ . + - _; at most 150")
    email = forms.CharField(label="E-mail", required=False)
    role = forms.ChoiceField(choices=ROLE_CHOICES)
    password = PasswordField(label="Initial password")


class StaffRoleForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES)


class StaffPasswordForm(forms.Form):
    password = PasswordField(label="New password")


class StaffDeactivateForm(forms.Form):
    reason = forms.CharField(label="Reason (for the audit log)", max_length=500, required=False)
