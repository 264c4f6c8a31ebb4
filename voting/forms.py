"""Forms for the voting screens; the services decide whether a change is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from voting.models import Answer, Poll


class PollForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=500)
    secrecy = forms.ChoiceField(label=_("Ballot"), choices=Poll.Secrecy.choices)
    method = forms.ChoiceField(label=_("Answers"), choices=Poll.Method.choices)
    options = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a choice: one option per line."),
    )
    max_choices = forms.IntegerField(label=_("Choices per voter"), min_value=1, initial=1)
    majority = forms.ChoiceField(label=_("Majority"), choices=Poll.Majority.choices)
    procedural = forms.BooleanField(
        label=_("Procedural motion"),
        required=False,
        help_text=_(
            "Adjourn, recess, fix the time to adjourn or obtain a quorum: decided even without "
            "a quorum."
        ),
    )
    closes_in_minutes = forms.IntegerField(
        label=_("Closes by itself after (minutes)"),
        required=False,
        min_value=1,
        max_value=24 * 60,
        help_text=_("Counted from now. Leave empty to close it yourself."),
    )

    def option_labels(self) -> list[str]:
        return [line for line in self.cleaned_data["options"].splitlines() if line.strip()]


class BallotForm(forms.Form):
    answer = forms.ChoiceField(choices=Answer.choices, required=False)
    choices = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    request_key = forms.CharField(max_length=64, required=False)

    def __init__(self, *args: object, poll: Poll, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["choices"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        if poll.method != Poll.Method.YES_NO:  # a yes-or-no vote has no options to read
            field.choices = [(option.pk, option.label) for option in poll.options.all()]


class RecusalForm(forms.Form):
    reason = forms.CharField(
        label=_("Conflict of interest"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("You will not vote on this item; the minutes record your declaration."),
    )


class ExtraordinaryRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why an extraordinary meeting?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PollCloseForm(forms.Form):
    """The chair's close: in an election, how many paper ballots the tellers found illegal."""

    illegal = forms.IntegerField(
        label=_("illegal paper ballots"),
        min_value=0,
        max_value=9999,
        required=False,
        help_text=_("Cast by members entitled to vote; counted apart, never as a choice."),
    )
