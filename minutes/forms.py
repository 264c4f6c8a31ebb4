from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agendas.models import AgendaItem
from agendas.outline import Node, numbered
from consultations.models import Consultation
from core import dates
from meetings.models import Body, Meeting
from minutes import selectors, signing
from minutes.models import ActionItem

MAX_PIN_CHARS = 256


class ReturnForm(forms.Form):
    remarks = forms.CharField(
        label=gettext_lazy("Remarks for the secretary"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
    )


class SignForm(forms.Form):
    """One key: the signer's key file with its passphrase; where a token is set up
    (MINUTES_PKCS11_MODULE), the token's PIN; where the server keeps signers' key files
    (MINUTES_PKCS12_PATH), `stored_key` with the kept file's passphrase, unless the server holds
    it. The screen shows each as its own form, with the fields it needs, so the way chosen
    makes the others' fields unnecessary."""

    pkcs12 = forms.FileField(
        label=gettext_lazy("Your key file (.p12)"),
        help_text=gettext_lazy(
            "Used for this signature only; neither the file nor the passphrase is kept."
        ),
        error_messages={"required": gettext_lazy("Choose your key file.")},
    )
    passphrase = forms.CharField(
        label=gettext_lazy("Passphrase"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        required=False,
        strip=False,
    )
    pin = forms.CharField(
        label=gettext_lazy("Token PIN"),
        help_text=gettext_lazy("Your key stays on the token; the PIN is not kept."),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        strip=False,
        max_length=MAX_PIN_CHARS,
    )
    stored_key = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # Not "passphrase": the key file's form on the same screen has that one.
    stored_passphrase = forms.CharField(
        label=gettext_lazy("Passphrase of your kept key"),
        help_text=gettext_lazy("Used for this signature only; it is not kept."),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        strip=False,
        error_messages={
            "required": gettext_lazy("Type the passphrase of your key kept on the server.")
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.token_enabled = bool(settings.MINUTES_PKCS11_MODULE)
        self.stored_key_enabled = bool(settings.MINUTES_PKCS12_PATH)
        if not self.stored_key_enabled:
            del self.fields["stored_key"], self.fields["stored_passphrase"]
        elif settings.MINUTES_PKCS12_PASSPHRASE:
            del self.fields["stored_passphrase"]  # the server opens the file by itself
        if self.token_enabled:
            self.fields["pkcs12"].error_messages["required"] = _(
                "Choose your key file, or type your token PIN."
            )
        else:
            del self.fields["pin"]
        if not self.is_bound:
            return
        stored = self.stored_key_enabled and self.fields["stored_key"].to_python(
            self.data.get("stored_key")
        )
        if stored or (self.token_enabled and self.data.get("pin")):
            self.fields["pkcs12"].required = False
        if self.token_enabled and (stored or not self.data.get("pin")):
            self.fields["pin"].required = False
        if not stored and "stored_passphrase" in self.fields:
            self.fields["stored_passphrase"].required = False

    def clean_pkcs12(self) -> Any:
        upload = self.cleaned_data["pkcs12"]
        if upload and upload.size > signing.MAX_KEY_FILE_BYTES:
            raise forms.ValidationError(_("A key file is smaller than 1 MB."))
        return upload

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        assert cleaned is not None
        if not self.token_enabled and self.data.get("pin"):
            raise forms.ValidationError(_("Signing with a token is not set up on this server."))
        if not self.stored_key_enabled and self.data.get("stored_key"):
            raise forms.ValidationError(
                _("Signing with a key kept on the server is not set up on this server.")
            )
        if cleaned.get("stored_key") and (cleaned.get("pkcs12") or cleaned.get("pin")):
            raise forms.ValidationError(
                _("Sign with one key: the one kept on the server, your key file or the token.")
            )
        if cleaned.get("pkcs12") and cleaned.get("pin"):
            raise forms.ValidationError(
                _("Sign either with your key file or with the token, not both.")
            )
        return cleaned


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


class ArchiveSearchForm(forms.Form):
    """The archive's search, from the screen's query string and the API's alike. A body is
    chosen among those the user sees: any other is unknown, whether it exists or not."""

    q = forms.CharField(label=gettext_lazy("Words"), max_length=200, strip=True)
    body: forms.ModelChoiceField[Body] = forms.ModelChoiceField(
        label=gettext_lazy("Body"),
        queryset=None,
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Unknown body.")},
    )
    date_from = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    item = forms.CharField(label=gettext_lazy("Agenda item"), max_length=200, required=False)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[
            ("", gettext_lazy("Minutes and documents")),
            ("minutes", gettext_lazy("Minutes")),
            ("document", gettext_lazy("Documents")),
        ],
    )
    page = forms.IntegerField(min_value=1, max_value=50, required=False, widget=forms.HiddenInput)

    # The query string says from= and to=, which are not Python names.
    ALIASES = {"from": "date_from", "to": "date_to"}

    def __init__(self, data: Any, *, bodies: Any) -> None:
        if data is not None:
            data = {self.ALIASES.get(key, key): data.get(key) for key in data}
        super().__init__(data)
        body_field = self.fields["body"]
        assert isinstance(body_field, forms.ModelChoiceField)
        body_field.queryset = bodies

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        assert cleaned is not None
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return cleaned


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


class ActionForm(forms.Form):
    """A task: the service checks the rules (one assignee, a member, due date); the form only
    reads the input. The agenda item is chosen among the meeting's own: any other is refused
    as an unknown choice."""

    text = forms.CharField(
        label=gettext_lazy("Task"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    item: forms.ModelChoiceField[AgendaItem] = forms.ModelChoiceField(
        label=gettext_lazy("Agenda item"),
        queryset=AgendaItem.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("The agenda item is not one of this meeting's.")
        },
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

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee_user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(memberships__body_id=meeting.body_id).order_by(
            "last_name", "first_name"
        )
        item_field = self.fields["item"]
        assert isinstance(item_field, forms.ModelChoiceField)
        item_field.queryset = AgendaItem.objects.filter(meeting=meeting)
        # Offered in the agenda's reading order with its numbers ("1.2. Title"), read once.
        items = {item.pk: item for item in item_field.queryset}
        outline = numbered(Node(item.pk, item.parent_id, item.position) for item in items.values())
        item_field.choices = [
            ("", "---------"),
            *((pk, f"{number}. {items[pk].title}") for pk, number, _depth in outline),
        ]


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


class ConsultationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        closed = dates.short_day(obj.closed_at) if obj.closed_at else ""
        return f"{obj.subject} ({closed})"


class ConsultationLinkForm(forms.Form):
    """A written-opinion poll to report in the meeting's minutes: the body's closed polls not
    yet reported elsewhere. Any other is refused as an unknown choice."""

    consultation = ConsultationChoiceField(
        label=gettext_lazy("Written-opinion poll"),
        queryset=Consultation.objects.none(),
        error_messages={
            "invalid_choice": gettext_lazy(
                "Choose a closed written-opinion poll of this body that no minutes report yet."
            )
        },
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["consultation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = selectors.consultations_linkable(meeting)
