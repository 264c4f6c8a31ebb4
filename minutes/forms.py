from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
