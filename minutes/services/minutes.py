"""Every change to the minutes' text and status: draft from the record, edit, submit, return,
approve, correct. Signing is in minutes.services.signing.

Closing a meeting drafts its minutes (minutes.receivers, on the meetings app's signal), so the
secretary finds them written; `minutes_draft` also serves a closed meeting without minutes.

Each function authorises, locks the minutes row (so that two people acting at the same moment
apply one after the other: an edit cannot slip in after the approval rendered the PDF, and two
signings cannot both take the same state), validates the state, writes a version of the text
where it changes (and stores its search vector, minutes.archive.minutes_index), and publishes
its event in the same transaction.

    draft -> submitted -> approved -> secretary_signed -> signed
               |  ^
               v  |
             returned (edited, submitted again)

Signed minutes never change; a correction is new minutes that name the ones they correct.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import ServiceError, require
from meetings.models import Body, Meeting
from minutes import archive, draft, layout, permissions, selectors, signing
from minutes.models import Minutes, MinutesVersion
from realtime import events

S = Minutes.Status
MAX_SECTION_CHARS = 100_000

# lock, require_status, publish and save_edited are shared with the signing and link services.


def lock(minutes: Minutes) -> Minutes:
    return (
        Minutes.objects.select_for_update(of=("self",))
        .select_related("meeting__body", "corrects")
        .get(pk=minutes.pk)
    )


def require_status(minutes: Minutes, allowed: Sequence[str], refusal: str) -> None:
    if minutes.status not in allowed:
        raise ServiceError(
            _("%(refusal)s These minutes are: %(status)s.")
            % {"refusal": refusal, "status": minutes.get_status_display().lower()}
        )


def _version(minutes: Minutes, event: str, actor: User, remarks: str = "") -> MinutesVersion:
    last = minutes.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return MinutesVersion.objects.create(
        minutes=minutes,
        number=last + 1,
        event=event,
        sections=minutes.sections,
        remarks=remarks,
        author=actor,
    )


def publish(minutes: Minutes, type: str) -> None:
    events.publish(
        meeting=minutes.meeting,
        type=type,
        payload={"minutes": minutes.pk, "status": minutes.status},
    )


def _body_code(body: Body) -> str:
    """The body's initials for document numbers: "Chính phủ" gives "CP"."""
    folded = unicodedata.normalize("NFKD", body.name.replace("Đ", "D").replace("đ", "d"))
    words = "".join(c for c in folded if ord(c) < 128).split()
    return "".join(word[0].upper() for word in words if word[0].isalnum()) or "X"


def _next_number(meeting: Meeting) -> str:
    """ "12/BB-CP": the body's minutes of the year, counted in order (the body row is locked
    so that two minutes drafted at once do not get the same number)."""
    body = Body.objects.select_for_update().get(pk=meeting.body_id)
    year = timezone.localtime(meeting.starts_at).year
    count = Minutes.objects.filter(meeting__body=body, meeting__starts_at__year=year).count()
    return f"{count + 1}/BB-{_body_code(body)}"


# Drafting


def minutes_draft(*, actor: User, meeting: Meeting) -> Minutes:
    """Write the first draft from the meeting's record, once the meeting is closed."""
    require(
        permissions.can_write_minutes(actor, meeting),
        _("Only the secretariat drafts the minutes."),
    )
    if meeting.status != Meeting.Status.CLOSED:
        raise ServiceError(_("The minutes are drafted once the meeting is closed."))
    # The document is in the body's language, whoever drafts it.
    language = meeting.body.language
    try:
        with transaction.atomic():
            # The meeting's row is locked, as consultation_link locks it, so that a poll linked
            # at the same moment is either in the record read here or added to this draft.
            Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
            record = selectors.meeting_record(meeting)
            with translation.override(language):
                sections = draft.draft_sections(record)
            minutes = Minutes.objects.create(
                meeting=meeting,
                number=_next_number(meeting),
                record=record,
                sections=sections,
                language=language,
                created_by=actor,
            )
            archive.minutes_index(minutes)
            _version(minutes, MinutesVersion.Event.DRAFTED, actor)
            publish(minutes, "minutes.minutes_drafted")
    except IntegrityError:
        raise ServiceError(_("The minutes of this meeting are already drafted.")) from None
    return minutes


def minutes_attendance_follow(*, actor: User, meeting: Meeting) -> Minutes | None:
    """Bring the minutes in line with an attendance corrected after the close: the record's
    lists and the corrections made, and the attendance section's text where the secretary has
    not rewritten it (her own wording is kept). Runs in the correction's transaction, sent by
    the meetings app (minutes.receivers), and refuses once the minutes are approved, which
    undoes the correction: approved minutes are the record.

    The minutes row is locked, so a correction and an approval at the same moment apply one
    after the other, and the approval renders the corrected record or the correction fails."""
    require(
        permissions.can_write_minutes(actor, meeting),
        _("Only the secretariat corrects the attendance."),
    )
    current = selectors.current_minutes(meeting)
    if current is None:
        return None
    minutes = lock(current)
    require_status(
        minutes,
        [S.DRAFT, S.SUBMITTED, S.RETURNED],
        _("The attendance can no longer be corrected once the minutes are approved."),
    )
    record = {
        **minutes.record,
        "attendance": selectors.attendance_groups(selectors.meeting_attendance(meeting)),
        "attendance_corrections": selectors.attendance_corrections(meeting),
    }
    with translation.override(minutes.language):
        drafted = draft.attendance_text(minutes.record)
        redrafted = draft.attendance_text(record)
    minutes.sections = [
        {**section, "text": redrafted}
        if section["key"] == "attendance" and section["text"] == drafted
        else section
        for section in minutes.sections
    ]
    minutes.record = record
    save_edited(minutes, actor)
    return minutes


def minutes_correction_start(*, actor: User, minutes: Minutes) -> Minutes:
    """Start a correction of signed minutes: new minutes with the same record and text, which
    go through the whole approval again and name the ones they correct."""
    meeting = minutes.meeting
    require(
        permissions.can_write_minutes(actor, meeting),
        _("Only the secretariat corrects the minutes."),
    )
    try:
        with transaction.atomic():
            original = lock(minutes)
            require_status(original, [S.SIGNED], _("Only signed minutes are corrected."))
            correction = Minutes.objects.create(
                meeting=meeting,
                corrects=original,
                number=_next_number(meeting),
                record=original.record,
                sections=original.sections,
                language=original.language,
                created_by=actor,
            )
            archive.minutes_index(correction)
            _version(correction, MinutesVersion.Event.DRAFTED, actor)
            publish(correction, "minutes.minutes_drafted")
    except IntegrityError:
        raise ServiceError(_("A correction of these minutes is already under way.")) from None
    return correction


def minutes_edit(*, actor: User, minutes: Minutes, texts: dict[str, str]) -> Minutes:
    """Change the text of some sections (by key). The record itself is not editable."""
    require(
        permissions.can_write_minutes(actor, minutes.meeting),
        _("Only the secretariat edits the minutes."),
    )
    with transaction.atomic():
        minutes = lock(minutes)
        require_status(
            minutes, [S.DRAFT, S.RETURNED], _("Only a draft or returned minutes can be edited.")
        )
        keys = {section["key"] for section in minutes.sections}
        unknown = set(texts) - keys
        if unknown:
            raise ServiceError(
                _("These sections do not exist: %s") % ", ".join(sorted(unknown)),
                field="sections",
            )
        sections = []
        for section in minutes.sections:
            text = texts.get(section["key"], section["text"]).replace("\r\n", "\n")
            if len(text) > MAX_SECTION_CHARS:
                raise ServiceError(
                    _("A section may hold at most %d characters.") % MAX_SECTION_CHARS,
                    field="sections",
                )
            sections.append({**section, "text": text})
        if sections == minutes.sections:
            return minutes
        minutes.sections = sections
        save_edited(minutes, actor)
    return minutes


def save_edited(minutes: Minutes, actor: User) -> None:
    """Save changed minutes as a new version: searchable, kept, and announced. Minutes returned
    by the chair are marked as changed since they were submitted."""
    if minutes.submitted_at is not None:
        minutes.changed_after_submission = True
    minutes.save()
    archive.minutes_index(minutes)
    _version(minutes, MinutesVersion.Event.EDITED, actor)
    publish(minutes, "minutes.minutes_edited")


def minutes_submit(*, actor: User, minutes: Minutes) -> Minutes:
    """Send the minutes to the chair for approval."""
    require(
        permissions.can_write_minutes(actor, minutes.meeting),
        _("Only the secretariat submits the minutes."),
    )
    with transaction.atomic():
        minutes = lock(minutes)
        require_status(
            minutes, [S.DRAFT, S.RETURNED], _("Only a draft or returned minutes can be submitted.")
        )
        minutes.status = S.SUBMITTED
        minutes.submitted_at = timezone.now()
        minutes.save()
        _version(minutes, MinutesVersion.Event.SUBMITTED, actor)
        publish(minutes, "minutes.minutes_submitted")
    return minutes


def minutes_return(*, actor: User, minutes: Minutes, remarks: str) -> Minutes:
    """The chair sends the minutes back to the secretary with remarks."""
    require(
        permissions.can_review_minutes(actor, minutes.meeting),
        _("Only the chair returns the minutes."),
    )
    remarks = remarks.strip()
    if not remarks:
        raise ServiceError(_("Say what should change."), field="remarks")
    with transaction.atomic():
        minutes = lock(minutes)
        require_status(minutes, [S.SUBMITTED], _("Only submitted minutes can be returned."))
        minutes.status = S.RETURNED
        minutes.remarks = remarks
        minutes.save()
        _version(minutes, MinutesVersion.Event.RETURNED, actor, remarks=remarks)
        publish(minutes, "minutes.minutes_returned")
    return minutes


def minutes_approve(*, actor: User, minutes: Minutes) -> Minutes:
    """The chair approves the text ("as corrected" if it changed after it was first submitted);
    the PDF is rendered now, with its two empty signature fields."""
    require(
        permissions.can_review_minutes(actor, minutes.meeting),
        _("Only the chair approves the minutes."),
    )
    with transaction.atomic():
        minutes = lock(minutes)
        require_status(minutes, [S.SUBMITTED], _("Only submitted minutes can be approved."))
        minutes.status = S.APPROVED
        minutes.approved_at = timezone.now()
        minutes.approved_by = actor
        minutes.approved_as_corrected = minutes.changed_after_submission
        rendered = layout.render(selectors.document_of(minutes))
        pdf = signing.with_signature_fields(rendered.pdf, rendered.boxes)
        minutes.signature_boxes = rendered.boxes
        minutes.pdf = pdf
        minutes.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        minutes.save()
        _version(minutes, MinutesVersion.Event.APPROVED, actor)
        publish(minutes, "minutes.minutes_approved")
    return minutes
