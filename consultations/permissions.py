"""Who may see and act on written-opinion polls. Missing and forbidden are the same 404.

Everyone who sees the body (its members, observers and secretariat) sees the polls once sent;
a draft is the secretariat's (the body's `manage_body` right). Who answered what is visible to
the secretariat and the chair while the poll is open, and to everyone who sees the body once it
has closed: written opinions are named, not secret. Who may answer (the recipients) and who
records the decision (the chair) is checked by the services.
"""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone

from consultations.models import Attachment, Consultation
from meetings import permissions
from meetings.models import Body, Membership
from meetings.permissions import AnyUser


def can_manage_consultations(user: AnyUser, body: Body) -> bool:
    return permissions.can_manage_body(user, body)


def is_chair(user: AnyUser, body: Body) -> bool:
    """Whether the person chairs the body today: they record the decision on a poll."""
    if not user.is_authenticated:
        return False
    today = timezone.localdate()
    return any(
        membership.is_current_on(today)
        for membership in Membership.objects.filter(
            body=body, user_id=user.pk, role=Membership.Role.CHAIR
        )
    )


def can_see_answers(user: AnyUser, consultation: Consultation) -> bool:
    """Named answers: the secretariat and the chair at any time, the others once closed."""
    if consultation.status in (Consultation.Status.CLOSED, Consultation.Status.DECIDED):
        return True
    return can_oversee(user, consultation.body)


def can_oversee(user: AnyUser, body: Body) -> bool:
    """The secretariat and the chair: they follow the answers and check their signatures."""
    return can_manage_consultations(user, body) or is_chair(user, body)


def access_body_consultations(user: AnyUser, body_id: int) -> Body:
    return permissions.access_body(user, body_id)


def access_consultation(user: AnyUser, body_id: int, consultation_id: int) -> Consultation:
    body = permissions.access_body(user, body_id)
    try:
        consultation = Consultation.objects.select_related("body").get(
            pk=consultation_id, body=body
        )
    except (Consultation.DoesNotExist, ValueError, TypeError):
        raise Http404("No such written-opinion poll.") from None
    if consultation.status == Consultation.Status.DRAFT and not can_manage_consultations(
        user, body
    ):
        raise Http404("No such written-opinion poll.")
    return consultation


def access_attachment(
    user: AnyUser, body_id: int, consultation_id: int, attachment_id: int
) -> Attachment:
    """A paper of a poll, for whoever may see the poll: a draft's papers are the secretariat's,
    a sent poll's everyone's who sees the body."""
    consultation = access_consultation(user, body_id, consultation_id)
    try:
        attachment = Attachment.objects.get(pk=attachment_id, consultation=consultation)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such paper.") from None
    attachment.consultation = consultation
    return attachment
