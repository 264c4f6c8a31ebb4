"""Forms for the documents screens; the services decide whether a change is allowed, and
`documents.uploads` what a file really is."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agendas.forms import NumberedItemField
from agendas.models import AgendaItem
from documents.models import Document
from documents.permissions import RIGHT_LABELS
from meetings.forms import PersonChoiceField
from meetings.models import Meeting, Membership

RIGHT_CHOICES = list(RIGHT_LABELS.items())
ACCEPT = ".pdf,.doc,.docx,.odt,.odp,.ods,.ppt,.pptx"


class DocumentFieldsForm(forms.Form):
    # "Title" alone is also a member's title (their position) in the catalogue.
    title = forms.CharField(label=pgettext_lazy("document", "Title"), max_length=300)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Document.Kind.choices, initial=Document.Kind.REPORT
    )
    classification = forms.ChoiceField(
        label=_("Classification"),
        choices=Document.Classification.choices,
        initial=Document.Classification.INTERNAL,
        help_text=_(
            "Confidential papers are stamped with the reader's name on every copy and handed "
            "back when the meeting closes; secret ones are only read on screen."
        ),
    )
    agenda_item = NumberedItemField(
        label=_("Agenda item"),
        queryset=AgendaItem.objects.none(),
        required=False,
        empty_label=_("(the whole meeting)"),
    )

    def __init__(self, *args: Any, meeting: Meeting, numbers: dict[int, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["agenda_item"]
        assert isinstance(field, NumberedItemField)
        field.offer(meeting, numbers)


class UploadForm(DocumentFieldsForm):
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, Word, PowerPoint or OpenDocument; other formats are converted to PDF."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )


class ReplaceForm(forms.Form):
    file = forms.FileField(
        label=_("New version"), widget=forms.ClearableFileInput(attrs={"accept": ACCEPT})
    )


class GrantForm(forms.Form):
    user = PersonChoiceField(label=_("Person"), queryset=User.objects.none(), required=False)
    role = forms.ChoiceField(
        label=_("Or everyone with the role"),
        choices=[("", "—"), *Membership.Role.choices],
        required=False,
    )
    rights = forms.MultipleChoiceField(
        label=_("Rights"),
        choices=RIGHT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=["view"],
    )

    def __init__(self, *args: Any, people: list[User], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, PersonChoiceField)
        field.queryset = User.objects.filter(pk__in=[person.pk for person in people]).order_by(
            "last_name", "first_name", "username"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("user")) == bool(data.get("role")):
            raise forms.ValidationError(_("Choose a person or a role."))
        return data


class TraceForm(forms.Form):
    copy_id = forms.UUIDField(
        label=_("Copy id"), help_text=_("As printed at the foot of every page of the copy.")
    )
