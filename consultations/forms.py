"""Forms for the written-opinion screens; the services decide whether a change is allowed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from consultations.models import Consultation, Opinion, Question


class ConsultationForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=300)
    description = forms.CharField(
        label=_("Explanation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the members need to know to answer, and where the documents are."),
    )
    questions = forms.CharField(
        label=_("Questions"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One question per line; each is decided on its own."),
    )
    deadline = forms.DateTimeField(
        label=_("Deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    reminder_hours = forms.CharField(
        label=_("Reminders (hours before the deadline)"),
        required=False,
        max_length=100,
        help_text=_("Separated by commas, such as 72, 24, 2. Leave empty for none."),
    )

    @classmethod
    def initial_for(cls, consultation: Consultation) -> dict[str, Any]:
        return {
            "subject": consultation.subject,
            "description": consultation.description,
            "questions": "\n".join(q.text for q in consultation.questions.all()),
            "deadline": consultation.deadline,
            "reminder_hours": ", ".join(str(hours) for hours in consultation.reminder_hours),
        }

    def clean_reminder_hours(self) -> list[int]:
        text = self.cleaned_data["reminder_hours"]
        try:
            return [int(part) for part in text.replace(";", ",").split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(
                _("Give whole numbers of hours, separated by commas.")
            ) from None

    def question_texts(self) -> list[str]:
        return [line for line in self.cleaned_data["questions"].splitlines() if line.strip()]


class AnswerForm(forms.Form):
    """One opinion and one comment per question; a question left blank is not answered now."""

    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"opinion-{question.pk}"] = forms.ChoiceField(
                label=question.text,
                choices=Opinion.choices,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"comment-{question.pk}"] = forms.CharField(
                label=_("Comment"),
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self) -> list[tuple[Question, forms.BoundField, forms.BoundField]]:
        return [
            (question, self[f"opinion-{question.pk}"], self[f"comment-{question.pk}"])
            for question in self.questions
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for question in self.questions:
            opinion = data.get(f"opinion-{question.pk}", "")
            comment = data.get(f"comment-{question.pk}", "")
            if comment.strip() and not opinion:
                self.add_error(
                    f"opinion-{question.pk}",
                    _("Choose agree, disagree or comment only for your comment."),
                )
        return data

    def given(self) -> list[tuple[int, str, str]]:
        """(question id, opinion, comment) for each question answered in the form."""
        return [
            (
                question.pk,
                self.cleaned_data[f"opinion-{question.pk}"],
                self.cleaned_data[f"comment-{question.pk}"],
            )
            for question in self.questions
            if self.cleaned_data.get(f"opinion-{question.pk}")
        ]


class DecisionForm(forms.Form):
    """The decision's text, and for each question whether it is adopted."""

    text = forms.CharField(
        label=_("Decision"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, questions: Sequence[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"adopted-{question.pk}"] = forms.TypedChoiceField(
                label=_("Question %(number)d: %(text)s")
                % {"number": question.position, "text": question.text},
                choices=[("yes", _("Adopted")), ("no", _("Not adopted"))],
                coerce=lambda value: value == "yes",
                widget=forms.RadioSelect,
            )

    def outcome_fields(self) -> list[forms.BoundField]:
        return [self[f"adopted-{question.pk}"] for question in self.questions]

    @property
    def decisions(self) -> dict[int, bool]:
        return {q.pk: self.cleaned_data[f"adopted-{q.pk}"] for q in self.questions}


class AttachmentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, Word, PowerPoint or OpenDocument (converted to PDF)."),
    )
