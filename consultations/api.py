"""The REST API of written-opinion polls (under /api/v1/bodies/<id>/consultations/).

Like `meetings.api` and `voting.api`: fetch with an `access_*` function (missing and forbidden
are both 404; a draft is missing to all but the secretariat), parse the input, call one
service, render. `core.api.exception_handler` turns the services' refusals into 400 and
403.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, QuerySet
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consultations import permissions, selectors, services
from consultations.http import attachment_response, session_key
from consultations.models import Answer, Attachment, Consultation, Question, Recipient
from consultations.serializers import (
    AnswersSubmitSerializer,
    ConsultationAttachmentCreateSerializer,
    ConsultationCreateSerializer,
    ConsultationSerializer,
    DecisionSerializer,
    ResultsSerializer,
)
from core.api import ERRORS, READ_ERRORS, ListView, action_view, parse, request_actor

TAGS = ["written opinions"]


def _given(answer: Answer) -> dict[str, Any]:
    return {
        "question": answer.question_id,
        "answer": answer.opinion,
        "comment": answer.comment,
        "revision": answer.revision,
        "answered_at": answer.answered_at,
    }


def _paper(attachment: Attachment, body_id: int) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "title": attachment.title,
        "pages": attachment.pages,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "url": reverse(
            "consultations_api:consultation-attachment",
            args=[body_id, attachment.consultation_id, attachment.pk],
        ),
    }


def _rows(consultations: list[Consultation], reader: User) -> list[dict[str, Any]]:
    """The polls as `reader` sees them, in five queries whatever their number."""
    ids = [consultation.pk for consultation in consultations]
    questions: dict[int, list[Any]] = {pk: [] for pk in ids}
    for question in Question.objects.filter(consultation__in=ids).order_by(
        "consultation", "position"
    ):
        questions[question.consultation_id].append(question)
    papers: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    bodies = {c.pk: c.body_id for c in consultations}
    for attachment in Attachment.objects.filter(consultation__in=ids).order_by(
        "consultation", "uploaded_at", "pk"
    ):
        papers[attachment.consultation_id].append(
            _paper(attachment, bodies[attachment.consultation_id])
        )
    totals = dict(
        Recipient.objects.filter(consultation__in=ids)
        .values("consultation")
        .annotate(total=Count("pk"))
        .values_list("consultation", "total")
    )
    mine = set(
        Recipient.objects.filter(consultation__in=ids, user=reader).values_list(
            "consultation", flat=True
        )
    )
    own: dict[tuple[int, int], Answer] = {}
    for answer in Answer.objects.filter(consultation__in=ids, user=reader).order_by("revision"):
        own[(answer.consultation_id, answer.question_id)] = answer
    return [
        {
            "id": c.pk,
            "body_id": c.body_id,
            "subject": c.subject,
            "description": c.description,
            "deadline": c.deadline,
            "reminder_hours": c.reminder_hours,
            "status": c.status,
            "questions": questions[c.pk],
            "attachments": papers[c.pk],
            "recipient_total": totals.get(c.pk, 0),
            "sent_at": c.sent_at,
            "closed_at": c.closed_at,
            "decision_text": c.decision_text,
            "adopted": c.adopted,
            "decided_at": c.decided_at,
            "your_part": {
                "recipient": c.pk in mine,
                "answers": [
                    _given(own[(c.pk, q.pk)]) for q in questions[c.pk] if (c.pk, q.pk) in own
                ],
            },
        }
        for c in consultations
    ]


def _one(consultation: Consultation, reader: User, *, code: int = status.HTTP_200_OK) -> Response:
    [row] = _rows([consultation], reader)
    return Response(ConsultationSerializer(row).data, status=code)


RESPONSES = {200: ConsultationSerializer, **ERRORS}


class ConsultationListView(ListView):
    @extend_schema(
        tags=TAGS,
        summary="The body's written-opinion polls",
        description="Newest first. Drafts are listed for the secretariat only.",
        responses={200: ConsultationSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, body_id: int) -> Response:
        actor = request_actor(request)
        body = permissions.access_body_consultations(actor, body_id)
        polls: QuerySet[Consultation] = selectors.consultation_list_for_body(
            body, include_drafts=permissions.can_manage_consultations(actor, body)
        )
        if self.pagination_class is None:
            return Response(ConsultationSerializer(_rows(list(polls), actor), many=True).data)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(polls, request, view=self) or []
        return paginator.get_paginated_response(
            ConsultationSerializer(_rows(list(page), actor), many=True).data
        )

    @extend_schema(
        tags=TAGS,
        summary="Prepare a written-opinion poll (the secretariat)",
        description="Saved as a draft, seen by the secretariat only until sent. One to 30 "
        "questions, each decided on its own; the deadline must be in the future.",
        request=ConsultationCreateSerializer,
        responses={201: ConsultationSerializer, **ERRORS},
    )
    def post(self, request: Request, body_id: int) -> Response:
        actor = request_actor(request)
        body = permissions.access_body_consultations(actor, body_id)
        data = parse(ConsultationCreateSerializer, request)
        consultation = services.consultation_create(actor=actor, body=body, **data)
        return _one(consultation, actor, code=status.HTTP_201_CREATED)


class ConsultationDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="A written-opinion poll",
        description="`you` holds whether it was sent to you and your answers that count now.",
        responses={200: ConsultationSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, body_id: int, consultation_id: int) -> Response:
        actor = request_actor(request)
        return _one(permissions.access_consultation(actor, body_id, consultation_id), actor)

    @extend_schema(
        tags=TAGS,
        summary="Change a draft poll (the secretariat)",
        description="Replaces the subject, explanation, deadline, questions and reminder hours "
        "of a poll that has not been sent; its papers stay. A sent poll can no longer be "
        "changed.",
        request=ConsultationCreateSerializer,
        responses=RESPONSES,
    )
    def put(self, request: Request, body_id: int, consultation_id: int) -> Response:
        actor = request_actor(request)
        consultation = permissions.access_consultation(actor, body_id, consultation_id)
        data = parse(ConsultationCreateSerializer, request)
        return _one(
            services.consultation_update(actor=actor, consultation=consultation, **data), actor
        )


consultation_action_view = functools.partial(
    action_view,
    target=permissions.access_consultation,
    keyword="consultation",
    answer=lambda request, consultation: _one(consultation, request_actor(request)),
    tags=TAGS,
    responses=RESPONSES,
)


ConsultationSendView = consultation_action_view(
    "ConsultationSendView",
    services.consultation_send,
    summary="Send the poll to the body's voting members (the secretariat)",
    description="The body's current members with a voting right become its recipients "
    "and receive it by e-mail; it can no longer be changed.",
)


class ConsultationAnswerView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Answer (the recipients)",
        description="Until the deadline. Per question `agree`, `disagree` or `comment` (a "
        "comment only, which counts as neither and needs a `comment`). A changed answer is "
        "kept as a new version; every version is signed with the session it came from. An "
        "answer equal to the one that counts is not recorded again.",
        request=AnswersSubmitSerializer,
        responses=RESPONSES,
    )
    def post(self, request: Request, body_id: int, consultation_id: int) -> Response:
        actor = request_actor(request)
        consultation = permissions.access_consultation(actor, body_id, consultation_id)
        data = parse(AnswersSubmitSerializer, request)
        services.answers_submit(
            actor=actor,
            consultation=consultation,
            answers=[
                services.AnswerInput(
                    question=given["question"],
                    opinion=given["answer"],
                    comment=given["comment"],
                )
                for given in data["answers"]
            ],
            session_key=session_key(request._request),
        )
        return _one(consultation, actor)


ConsultationCloseView = consultation_action_view(
    "ConsultationCloseView",
    services.consultation_close,
    summary="Close and tally the poll (the secretariat)",
    description="Before the deadline only once every recipient has answered every "
    "question; at the deadline it closes by itself. Each question is tallied against all "
    "recipients under the body's rules.",
)


class ConsultationDecisionView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Record the decision (the chair)",
        description="Once the poll has closed: the decision's text and, for each question, "
        "whether it is adopted (`questions`: {question id: true or false}; or `adopted` for "
        "every question alike).",
        request=DecisionSerializer,
        responses=RESPONSES,
    )
    def post(self, request: Request, body_id: int, consultation_id: int) -> Response:
        actor = request_actor(request)
        consultation = permissions.access_consultation(actor, body_id, consultation_id)
        data = parse(DecisionSerializer, request)
        return _one(
            services.consultation_decide(
                actor=actor, consultation=consultation, text=data["text"], adopted=data["adopted"]
            ),
            actor,
        )


class ConsultationResultsView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="The tally, the answers and their signatures' check",
        description="`tally` once closed; `answers` (named) for the secretariat and the chair "
        "at any time and for the others once closed; `signatures` for the secretariat and the "
        "chair.",
        responses={200: ResultsSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, body_id: int, consultation_id: int) -> Response:
        actor = request_actor(request)
        consultation = permissions.access_consultation(actor, body_id, consultation_id)
        recipients = {person.pk: person for person in selectors.recipients(consultation)}
        current = selectors.current_answers(consultation)
        questions = selectors.questions(consultation)
        answered = sum(
            1
            for user_id in recipients
            if all((question.pk, user_id) in current for question in questions)
        )
        answers = None
        if permissions.can_see_answers(actor, consultation):
            answers = [
                {**_given(answer), "user": recipients.get(answer.user_id, answer.user)}
                for answer in current.values()
            ]
        signatures = None
        if permissions.can_oversee(actor, consultation.body):
            check = selectors.signature_check(consultation)
            signatures = {
                "checked": check.checked,
                "intact": check.intact,
                "broken": list(check.broken),
            }
        return Response(
            ResultsSerializer(
                {
                    "status": consultation.status,
                    "answered": answered,
                    "recipients": len(recipients),
                    "tally": consultation.result,
                    "answers": answers,
                    "signatures": signatures,
                }
            ).data
        )


class ConsultationAttachmentListView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=TAGS,
        summary="Attach a paper to a draft poll (the secretariat)",
        description="Multipart upload: `title` and `file`. PDF is stored as it is; Word, "
        "PowerPoint and OpenDocument files are converted to PDF; the type is read from the "
        "content. Refused with 400 (field `file`) when too large, damaged, protected by a "
        "password or not what its name says, and once the poll has been sent.",
        request={"multipart/form-data": ConsultationAttachmentCreateSerializer},
        responses={201: ConsultationSerializer, **ERRORS},
    )
    def post(self, request: Request, body_id: int, consultation_id: int) -> Response:
        actor = request_actor(request)
        consultation = permissions.access_consultation(actor, body_id, consultation_id)
        data = parse(ConsultationAttachmentCreateSerializer, request)
        services.attachment_add(
            actor=actor, consultation=consultation, title=data["title"], file=data["file"]
        )
        return _one(consultation, actor, code=status.HTTP_201_CREATED)


class ConsultationAttachmentDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Read a paper of the poll",
        description="The PDF, inline and never cached, for whoever may see the poll.",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            **READ_ERRORS,
        },
    )
    def get(
        self, request: Request, body_id: int, consultation_id: int, attachment_id: int
    ) -> FileResponse:
        actor = request_actor(request)
        return attachment_response(
            permissions.access_attachment(actor, body_id, consultation_id, attachment_id)
        )

    @extend_schema(
        tags=TAGS,
        summary="Remove a paper from a draft poll (the secretariat)",
        description="Refused with 400 once the poll has been sent.",
        request=None,
        responses={204: None, **ERRORS},
    )
    def delete(
        self, request: Request, body_id: int, consultation_id: int, attachment_id: int
    ) -> Response:
        actor = request_actor(request)
        attachment = permissions.access_attachment(actor, body_id, consultation_id, attachment_id)
        services.attachment_remove(actor=actor, attachment=attachment)
        return Response(status=status.HTTP_204_NO_CONTENT)
