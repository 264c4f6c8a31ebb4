"""Written-opinion polls on screen: the secretariat prepares and sends them, members answer on
their tablets, everyone who sees the body follows the results, and the chair records the
decision.

Every view fetches what it shows with one `access_*` function (missing and forbidden are the same
404) and changes things through one service. Refused input shows the page again with the
message and status 400; nothing is written.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consultations import forms, permissions, selectors, services
from consultations.http import attachment_response, session_key
from consultations.models import Consultation, Opinion
from core.errors import ServiceError
from core.http import AuthenticatedHttpRequest
from core.pages import render_page
from meetings.models import Body
from meetings.permissions import bodies_for_user

SECTION = "consultations"


def _detail_url(consultation: Consultation) -> Any:
    return redirect("consultations:detail", consultation.body_id, consultation.pk)


@login_required
@require_GET
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render_page(
        request,
        "consultations/index.html",
        {
            "awaiting": selectors.awaiting_for_member(request.user),
            "consultations": selectors.consultation_list_for_user(request.user)[:50],
            "managed_bodies": bodies_for_user(request.user, "meetings.manage_body"),
        },
        section=SECTION,
    )


@login_required
@require_GET
def body_list(request: AuthenticatedHttpRequest, body_pk: int) -> HttpResponse:
    body = permissions.access_body_consultations(request.user, body_pk)
    can_manage = permissions.can_manage_consultations(request.user, body)
    return render_page(
        request,
        "consultations/body_list.html",
        {
            "body": body,
            "can_manage": can_manage,
            "consultations": selectors.consultation_list_for_body(body, include_drafts=can_manage),
        },
        section=SECTION,
    )


def _form_page(
    request: AuthenticatedHttpRequest,
    body: Body,
    form: forms.ConsultationForm,
    *,
    consultation: Consultation | None = None,
    attachment_form: forms.AttachmentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render_page(
        request,
        "consultations/form.html",
        {
            "body": body,
            "form": form,
            "consultation": consultation,
            "attachments": selectors.attachments(consultation) if consultation else [],
            "attachment_form": attachment_form or forms.AttachmentForm(),
        },
        section=SECTION,
        status=status,
    )


def _save(
    request: AuthenticatedHttpRequest, body: Body, consultation: Consultation | None
) -> HttpResponse:
    form = forms.ConsultationForm(request.POST)
    if not form.is_valid():
        return _form_page(request, body, form, consultation=consultation, status=400)
    data = form.cleaned_data
    fields: dict[str, Any] = {
        "subject": data["subject"],
        "description": data["description"],
        "deadline": data["deadline"],
        "questions": form.question_texts(),
        "reminder_hours": data["reminder_hours"],
    }
    try:
        if consultation is None:
            consultation = services.consultation_create(actor=request.user, body=body, **fields)
        else:
            consultation = services.consultation_update(
                actor=request.user, consultation=consultation, **fields
            )
    except ServiceError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _form_page(request, body, form, consultation=consultation, status=400)
    messages.success(request, _("The poll is saved. Send it when it is ready."))
    return _detail_url(consultation)


@login_required
@require_http_methods(["GET", "POST"])
def create(request: AuthenticatedHttpRequest, body_pk: int) -> HttpResponse:
    body = permissions.access_body_consultations(request.user, body_pk)
    if not permissions.can_manage_consultations(request.user, body):
        raise PermissionDenied(_("Only the body's secretariat prepares written-opinion polls."))
    if request.method == "POST":
        return _save(request, body, None)
    form = forms.ConsultationForm(
        initial={"reminder_hours": ", ".join(str(h) for h in services.default_reminder_hours())}
    )
    return _form_page(request, body, form)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthenticatedHttpRequest, body_pk: int, pk: int) -> HttpResponse:
    consultation = permissions.access_consultation(request.user, body_pk, pk)
    body = consultation.body
    if not permissions.can_manage_consultations(request.user, body):
        # Only the secretariat sees drafts, so anyone else gets here for a sent poll.
        return _detail_url(consultation)
    if request.method == "POST":
        return _save(request, body, consultation)
    form = forms.ConsultationForm(initial=forms.ConsultationForm.initial_for(consultation))
    return _form_page(request, body, form, consultation=consultation)


@login_required
@require_POST
def attachment_add(request: AuthenticatedHttpRequest, body_pk: int, pk: int) -> HttpResponse:
    consultation = permissions.access_consultation(request.user, body_pk, pk)
    attachment_form = forms.AttachmentForm(request.POST, request.FILES)
    if attachment_form.is_valid():
        try:
            services.attachment_add(
                actor=request.user,
                consultation=consultation,
                title=attachment_form.cleaned_data["title"],
                file=attachment_form.cleaned_data["file"],
            )
        except ServiceError as error:
            if error.field not in attachment_form.fields:
                # Not about the upload (the poll was sent meanwhile): the edit page no longer
                # offers papers, so the poll's page says why.
                return _detail_page(request, consultation, error=error.message, status=400)
            attachment_form.add_error(error.field, error.message)
        else:
            messages.success(request, _("The paper is attached to the poll."))
            return redirect("consultations:edit", consultation.body_id, consultation.pk)
    form = forms.ConsultationForm(initial=forms.ConsultationForm.initial_for(consultation))
    return _form_page(
        request,
        consultation.body,
        form,
        consultation=consultation,
        attachment_form=attachment_form,
        status=400,
    )


@login_required
@require_POST
def attachment_remove(
    request: AuthenticatedHttpRequest, body_pk: int, pk: int, attachment_pk: int
) -> HttpResponse:
    attachment = permissions.access_attachment(request.user, body_pk, pk, attachment_pk)
    consultation = attachment.consultation
    try:
        services.attachment_remove(actor=request.user, attachment=attachment)
    except ServiceError as error:
        return _detail_page(request, consultation, error=error.message, status=400)
    messages.success(request, _("The paper is removed from the poll."))
    return redirect("consultations:edit", consultation.body_id, consultation.pk)


@login_required
@require_GET
def attachment_file(
    request: AuthenticatedHttpRequest, body_pk: int, pk: int, attachment_pk: int
) -> FileResponse:
    return attachment_response(
        permissions.access_attachment(request.user, body_pk, pk, attachment_pk)
    )


def _detail_page(
    request: AuthenticatedHttpRequest,
    consultation: Consultation,
    *,
    error: str = "",
    decision_form: forms.DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    body = consultation.body
    questions = selectors.questions(consultation)
    recipients = selectors.recipients(consultation)
    answers = selectors.current_answers(consultation)
    see_answers = permissions.can_see_answers(user, consultation)
    oversee = permissions.can_oversee(user, body)
    chair = permissions.is_chair(user, body)
    answer_rows = [
        (person, [answers.get((question.pk, person.pk)) for question in questions])
        for person in recipients
    ]
    answered = sum(1 for person, given in answer_rows if None not in given)
    rows = [{"person": person, "answers": given} for person, given in answer_rows]
    result_by_question = {
        row["question"]: row for row in (consultation.result or {}).get("questions", [])
    }
    return render_page(
        request,
        "consultations/detail.html",
        {
            "body": body,
            "consultation": consultation,
            "attachments": selectors.attachments(consultation),
            "questions": [(q, result_by_question.get(q.pk)) for q in questions],
            "recipients": recipients,
            "rows": rows if see_answers else [],
            "see_answers": see_answers,
            "answered": answered,
            "is_recipient": any(person.pk == user.pk for person in recipients),
            "can_manage": permissions.can_manage_consultations(user, body),
            "can_decide": chair and consultation.status == Consultation.Status.CLOSED,
            "verification": selectors.signature_check(consultation) if oversee else None,
            "decision_form": decision_form or forms.DecisionForm(questions=questions),
            "is_open": consultation.status == Consultation.Status.OPEN
            and consultation.deadline > timezone.now(),
            "error": error,
            "Opinion": Opinion,
        },
        section=SECTION,
        status=status,
    )


@login_required
@require_GET
def detail(request: AuthenticatedHttpRequest, body_pk: int, pk: int) -> HttpResponse:
    return _detail_page(request, permissions.access_consultation(request.user, body_pk, pk))


@login_required
@require_POST
def action(request: AuthenticatedHttpRequest, body_pk: int, pk: int, name: str) -> HttpResponse:
    consultation = permissions.access_consultation(request.user, body_pk, pk)
    try:
        if name == "send":
            services.consultation_send(actor=request.user, consultation=consultation)
            done = _("The poll is sent; the members have been told by e-mail.")
        elif name == "close":
            services.consultation_close(actor=request.user, consultation=consultation)
            done = _("The poll is closed and tallied.")
        else:
            return _detail_page(request, consultation, error=_("Unknown action."), status=400)
    except ServiceError as error:
        return _detail_page(request, consultation, error=error.message, status=400)
    messages.success(request, done)
    return _detail_url(consultation)


@login_required
@require_POST
def decide(request: AuthenticatedHttpRequest, body_pk: int, pk: int) -> HttpResponse:
    consultation = permissions.access_consultation(request.user, body_pk, pk)
    if not permissions.is_chair(request.user, consultation.body):
        raise PermissionDenied(_("Only the chair records the decision on a written-opinion poll."))
    form = forms.DecisionForm(request.POST, questions=selectors.questions(consultation))
    if not form.is_valid():
        return _detail_page(
            request,
            consultation,
            error=_("Write the decision and say for each question whether it is adopted."),
            decision_form=form,
            status=400,
        )
    try:
        services.consultation_decide(
            actor=request.user,
            consultation=consultation,
            text=form.cleaned_data["text"],
            adopted=form.decisions,
        )
    except ServiceError as error:
        return _detail_page(
            request, consultation, error=error.message, decision_form=form, status=400
        )
    messages.success(request, _("The decision is recorded."))
    return _detail_url(consultation)


def _answer_page(
    request: AuthenticatedHttpRequest,
    consultation: Consultation,
    form: forms.AnswerForm,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    current = selectors.current_answers(consultation)
    return render_page(
        request,
        "consultations/answer.html",
        {
            "body": consultation.body,
            "consultation": consultation,
            "attachments": selectors.attachments(consultation),
            "form": form,
            "current": {
                question.pk: current.get((question.pk, user.pk)) for question in form.questions
            },
            "history": selectors.answer_history(consultation, user),
            "is_recipient": consultation.recipients.filter(user=user).exists(),
            "is_open": consultation.status == Consultation.Status.OPEN
            and consultation.deadline > timezone.now(),
            "error": error,
        },
        section=SECTION,
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def answer(request: AuthenticatedHttpRequest, body_pk: int, pk: int) -> HttpResponse:
    consultation = permissions.access_consultation(request.user, body_pk, pk)
    questions = selectors.questions(consultation)
    if request.method == "GET":
        current = selectors.current_answers(consultation)
        initial: dict[str, str] = {}
        for question in questions:
            given = current.get((question.pk, request.user.pk))
            if given is not None:
                initial[f"opinion-{question.pk}"] = given.opinion
                initial[f"comment-{question.pk}"] = given.comment
        return _answer_page(
            request, consultation, forms.AnswerForm(initial=initial, questions=questions)
        )
    form = forms.AnswerForm(request.POST, questions=questions)
    if not form.is_valid():
        return _answer_page(
            request,
            consultation,
            form,
            error=_("Please correct the marked answers."),
            status=400,
        )
    inputs = [
        services.AnswerInput(question=question, opinion=opinion, comment=comment)
        for question, opinion, comment in form.given()
    ]
    try:
        recorded = services.answers_submit(
            actor=request.user,
            consultation=consultation,
            answers=inputs,
            session_key=session_key(request),
        )
    except ServiceError as error:
        return _answer_page(request, consultation, form, error=error.message, status=400)
    if recorded:
        messages.success(request, _("Your answers are recorded and signed."))
    else:
        messages.success(request, _("Your answers were already recorded as they are."))
    return redirect("consultations:answer", consultation.body_id, consultation.pk)
