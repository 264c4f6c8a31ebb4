from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meetings.models import Body
from minutes.models import ActionItem

MAX_KEY_FILE_BYTES = 1024 * 1024


class ReturnForm(forms.Form):
    remarks = forms.CharField(
        label=gettext_lazy("Remarks for the secretary"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
    )


class SignForm(forms.Form):
    pkcs12 = forms.FileField(
        label=gettext_lazy("Your key file (.p12)"),
        help_text=gettext_lazy(
            "Used for this signature only; neither the file nor the passphrase is kept."
        ),
    )
    passphrase = forms.CharField(
        label=gettext_lazy("Passphrase"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        required=False,
        strip=False,
    )

    def clean_pkcs12(self) -> Any:
        upload = self.cleaned_data["pkcs12"]
        if upload.size > MAX_KEY_FILE_BYTES:
            raise forms.ValidationError(_("A key file is smaller than 1 MB."))
        return upload


class VerifyForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Signed PDF"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.MINUTES_VERIFY_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large: at most %(size)d MB.")
                % {"size": settings.MINUTES_VERIFY_MAX_BYTES // (1024 * 1024)}
            )
        return upload


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


class ActionForm(forms.Form):
    """A task: the service checks the rules (one assignee, a member, due date); the form only
    reads the input."""

    text = forms.CharField(
        label=gettext_lazy("Task"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    assignee_user = MemberChoiceField(
        label=gettext_lazy("Assigned to a member"), queryset=User.objects.none(), required=False
    )
    assignee_organisation = forms.CharField(
        label=gettext_lazy("or to an organisation"), max_length=200, required=False
    )
    due_on = forms.DateField(
        label=gettext_lazy("Due date"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, body: Body, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee_user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(memberships__body=body).order_by(
            "last_name", "first_name"
        )


class ActionNoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("(unchanged)")), *ActionItem.Status.choices[:3]],
        required=False,
    )
