"""Written-opinion polls reported in the minutes.

A poll decided in writing between meetings is reported in the minutes of a meeting of the same
body, usually the next one: the secretariat links it. A link made before the draft is written
puts the poll in the draft; a link made (or removed) while the draft or the returned minutes
are being edited changes their record and adds (or removes) the poll's section, as a new
version. Once the minutes are submitted to the chair their record no longer changes: return
them first, or report the poll in a later meeting.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from consultations.models import Consultation
from core.errors import ServiceError, require
from meetings import permissions as meeting_permissions
from meetings.models import Meeting
from minutes import draft, permissions, selectors
from minutes.models import LinkedConsultation, Minutes
from minutes.services.minutes import S, lock, require_status, save_edited
from realtime import events

EDITABLE_MINUTES = (S.DRAFT, S.RETURNED)
REPORTABLE_CONSULTATIONS = (Consultation.Status.CLOSED, Consultation.Status.DECIDED)


def _lock_meeting_minutes(meeting: Meeting) -> Minutes | None:
    """Lock the meeting (minutes_draft locks it too) and its current minutes; refuse when the
    minutes exist and are no longer being edited."""
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    current = selectors.current_minutes(meeting)
    if current is None:
        return None
    minutes = lock(current)
    require_status(
        minutes,
        EDITABLE_MINUTES,
        _("Written-opinion polls are added to or removed from the minutes while they are a draft."),
    )
    return minutes


def _minutes_relinked(
    minutes: Minutes,
    actor: User,
    sections: list[draft.Section],
    consultations: list[dict[str, object]],
) -> None:
    """Store the meeting's linked polls (selectors.consultation_record) and the sections."""
    minutes.record = {**minutes.record, "consultations": consultations}
    minutes.sections = sections
    save_edited(minutes, actor)


def _publish_link(link: LinkedConsultation, type: str) -> None:
    events.publish(
        meeting=link.meeting,
        type=type,
        payload={"consultation": link.consultation_id},
        restricted_to=meeting_permissions.MANAGE_MEETING,
    )


def consultation_link(
    *, actor: User, meeting: Meeting, consultation: Consultation
) -> LinkedConsultation:
    """Report a closed (or decided) written-opinion poll of the meeting's body in the meeting's
    minutes (the secretariat). A poll is reported once, in one meeting's minutes."""
    require(
        permissions.can_link_consultation(actor, meeting),
        _("Only the secretariat links written-opinion polls to the minutes."),
    )
    if consultation.body_id != meeting.body_id:
        raise ServiceError(
            _("Choose a written-opinion poll of %(body)s.") % {"body": meeting.body.name},
            field="consultation",
        )
    if meeting.status == Meeting.Status.CANCELLED:
        raise ServiceError(_("The meeting was cancelled."))
    with transaction.atomic():
        minutes = _lock_meeting_minutes(meeting)
        # Locked so that the poll's status read here holds until the link is committed.
        consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if consultation.status not in REPORTABLE_CONSULTATIONS:
            raise ServiceError(
                _("Only a closed written-opinion poll can be reported in the minutes."),
                field="consultation",
            )
        if LinkedConsultation.objects.filter(consultation=consultation).exists():
            raise ServiceError(
                _("This written-opinion poll is already reported in a meeting's minutes."),
                field="consultation",
            )
        link = LinkedConsultation.objects.create(
            meeting=meeting, consultation=consultation, linked_by=actor
        )
        if minutes is not None:
            record = selectors.consultation_record(meeting)
            with translation.override(minutes.language):
                section = draft.consultation_section(
                    next(row for row in record if row["id"] == consultation.pk)
                )
            sections = list(minutes.sections)
            # After the agenda and the polls already there, before the conclusions.
            keys = [row["key"] for row in sections]
            at = keys.index("conclusions") if "conclusions" in keys else len(sections)
            sections.insert(at, section)
            _minutes_relinked(minutes, actor, sections, record)
        _publish_link(link, "minutes.consultation_linked")
    return link


def consultation_unlink(*, actor: User, link: LinkedConsultation) -> None:
    """Take a written-opinion poll out of the meeting's minutes while they are still a draft
    (the secretariat); its section goes with it."""
    meeting = link.meeting
    require(
        permissions.can_link_consultation(actor, meeting),
        _("Only the secretariat links written-opinion polls to the minutes."),
    )
    with transaction.atomic():
        minutes = _lock_meeting_minutes(meeting)
        deleted, _rows = LinkedConsultation.objects.filter(pk=link.pk).delete()
        if not deleted:
            raise ServiceError(_("This written-opinion poll is no longer linked."))
        if minutes is not None:
            key = f"consultation-{link.consultation_id}"
            sections = [row for row in minutes.sections if row["key"] != key]
            _minutes_relinked(minutes, actor, sections, selectors.consultation_record(meeting))
        _publish_link(link, "minutes.consultation_unlinked")
