"""Forms for the agenda screens; the services decide whether a change is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agendas.models import AgendaItem
from agendas.services import MAX_COMMENT_LENGTH
from meetings.models import Meeting


class NumberedItemField(forms.ModelChoiceField):
    """Items are chosen by their number and title ("1.2 Spending"), in the agenda's reading
    order (1, 2, 2.1, 2.2, 3), which no database ordering of the rows gives."""

    numbers: dict[int, str] = {}

    def label_from_instance(self, obj: Any) -> str:
        return f"{self.numbers.get(obj.pk, '?')} {obj.title}"

    def offer(self, meeting: Meeting, numbers: dict[int, str]) -> None:
        """Offer the meeting's items, numbered and in reading order (one query, when drawn)."""
        self.queryset = AgendaItem.objects.filter(meeting=meeting)
        self.numbers = numbers
        items = sorted(
            self.queryset,
            key=lambda item: [int(part) for part in numbers.get(item.pk, "0").split(".")],
        )
        empty = [("", self.empty_label)] if self.empty_label is not None else []
        self.choices = [*empty, *((item.pk, self.label_from_instance(item)) for item in items)]


class ItemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    parent = NumberedItemField(
        label=_("Under"),
        queryset=AgendaItem.objects.none(),
        required=False,
        empty_label=_("(top level)"),
        # Its own id: the agenda's events redraw its choices (agendas.regions).
        widget=forms.Select(attrs={"id": "agenda-item-parent"}),
    )
    kind = forms.ChoiceField(
        label=_("Type"), choices=AgendaItem.Kind.choices, initial=AgendaItem.Kind.DISCUSSION
    )
    presenter = forms.CharField(
        label=_("Presenter"),
        max_length=200,
        required=False,
        help_text=_("A person or a ministry."),
    )
    planned_minutes = forms.IntegerField(
        label=_("Planned minutes"), min_value=0, max_value=24 * 60, initial=0
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, meeting: Meeting, numbers: dict[int, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        assert isinstance(parent, NumberedItemField)
        parent.offer(meeting, numbers)


class ItemEditForm(ItemForm):
    """Where an item sits is changed by moving it, not here."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        del self.fields["parent"]


class SpeakingLimitForm(forms.Form):
    speaking_limit_minutes = forms.DecimalField(
        label=_("Speaking time per speaker (minutes)"),
        required=False,
        min_value=0.5,
        max_value=120,
        decimal_places=1,
        help_text=_("Leave empty for no limit."),
    )


class TimerForm(forms.Form):
    minutes = forms.DecimalField(
        label=_("Minutes"), min_value=0.5, max_value=24 * 60, decimal_places=1, initial=5
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"),
        max_length=MAX_COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
