"""Every change to minutes: draft from the record, edit, submit, return, approve, sign, correct.

Closing a meeting drafts its minutes (minutes.receivers, on the meetings app's signal), so the
secretary finds them written; `minutes_draft` also serves a closed meeting without minutes.

Each function authorises, locks the minutes row (so that two people acting at the same moment
apply one after the other: an edit cannot slip in after the approval rendered the PDF, and two
signings cannot both take the same state), validates the state, writes a version of the text
where it changes, and publishes its event in the same transaction.

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

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from meetings.errors import ServiceError
from meetings.models import Body, Meeting
from minutes import draft, layout, permissions, selectors, signing, verify
from minutes.models import Minutes, MinutesSignature, MinutesVersion
from realtime import events

S = Minutes.Status
MAX_SECTION_CHARS = 100_000


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _lock(minutes: Minutes) -> Minutes:
    return (
        Minutes.objects.select_for_update(of=("self",))
        .select_related("meeting__body", "corrects")
        .get(pk=minutes.pk)
    )


def _require_status(minutes: Minutes, allowed: Sequence[str], refusal: str) -> None:
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


def _publish(minutes: Minutes, type: str) -> None:
    events.publish(
        meeting=minutes.meeting,
        type=type,
        payload={"minutes": minutes.pk, "status": minutes.status},
    )


def body_code(body: Body) -> str:
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
    return f"{count + 1}/BB-{body_code(body)}"


# Drafting


def minutes_draft(*, actor: User, meeting: Meeting) -> Minutes:
    """Write the first draft from the meeting's record, once the meeting is closed."""
    _require(
        permissions.can_write_minutes(actor, meeting),
        _("Only the secretariat drafts the minutes."),
    )
    if meeting.status != Meeting.Status.CLOSED:
        raise ServiceError(_("The minutes are drafted once the meeting is closed."))
    # The document is in the site's language, like the vote results it quotes.
    language = settings.LANGUAGE_CODE
    try:
        with transaction.atomic():
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
            _version(minutes, MinutesVersion.Event.DRAFTED, actor)
            _publish(minutes, "minutes.minutes_drafted")
    except IntegrityError:
        raise ServiceError(_("The minutes of this meeting are already drafted.")) from None
    return minutes


def minutes_correction_start(*, actor: User, minutes: Minutes) -> Minutes:
    """Start a correction of signed minutes: new minutes with the same record and text, which
    go through the whole approval again and name the ones they correct."""
    meeting = minutes.meeting
    _require(
        permissions.can_write_minutes(actor, meeting),
        _("Only the secretariat corrects the minutes."),
    )
    try:
        with transaction.atomic():
            original = _lock(minutes)
            _require_status(original, [S.SIGNED], _("Only signed minutes are corrected."))
            correction = Minutes.objects.create(
                meeting=meeting,
                corrects=original,
                number=_next_number(meeting),
                record=original.record,
                sections=original.sections,
                language=original.language,
                created_by=actor,
            )
            _version(correction, MinutesVersion.Event.DRAFTED, actor)
            _publish(correction, "minutes.minutes_drafted")
    except IntegrityError:
        raise ServiceError(_("A correction of these minutes is already under way.")) from None
    return correction


def minutes_edit(*, actor: User, minutes: Minutes, texts: dict[str, str]) -> Minutes:
    """Change the text of some sections (by key). The record itself is not editable."""
    _require(
        permissions.can_write_minutes(actor, minutes.meeting),
        _("Only the secretariat edits the minutes."),
    )
    with transaction.atomic():
        minutes = _lock(minutes)
        _require_status(
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
        if minutes.submitted_at is not None:
            minutes.changed_after_submission = True
        minutes.save()
        _version(minutes, MinutesVersion.Event.EDITED, actor)
        _publish(minutes, "minutes.minutes_edited")
    return minutes


def minutes_submit(*, actor: User, minutes: Minutes) -> Minutes:
    """Send the minutes to the chair for approval."""
    _require(
        permissions.can_write_minutes(actor, minutes.meeting),
        _("Only the secretariat submits the minutes."),
    )
    with transaction.atomic():
        minutes = _lock(minutes)
        _require_status(
            minutes, [S.DRAFT, S.RETURNED], _("Only a draft or returned minutes can be submitted.")
        )
        minutes.status = S.SUBMITTED
        minutes.submitted_at = timezone.now()
        minutes.save()
        _version(minutes, MinutesVersion.Event.SUBMITTED, actor)
        _publish(minutes, "minutes.minutes_submitted")
    return minutes


def minutes_return(*, actor: User, minutes: Minutes, remarks: str) -> Minutes:
    """The chair sends the minutes back to the secretary with remarks."""
    _require(
        permissions.can_review_minutes(actor, minutes.meeting),
        _("Only the chair returns the minutes."),
    )
    remarks = remarks.strip()
    if not remarks:
        raise ServiceError(_("Say what should change."), field="remarks")
    with transaction.atomic():
        minutes = _lock(minutes)
        _require_status(minutes, [S.SUBMITTED], _("Only submitted minutes can be returned."))
        minutes.status = S.RETURNED
        minutes.remarks = remarks
        minutes.save()
        _version(minutes, MinutesVersion.Event.RETURNED, actor, remarks=remarks)
        _publish(minutes, "minutes.minutes_returned")
    return minutes


def document_of(minutes: Minutes) -> layout.MinutesDocument:
    return layout.MinutesDocument(
        number=minutes.number,
        language=minutes.language,
        record=minutes.record,
        sections=minutes.sections,
        place=settings.MINUTES_PLACE,
        approved_as_corrected=minutes.approved_as_corrected,
        approved_at=timezone.localtime(minutes.approved_at).isoformat()
        if minutes.approved_at
        else None,
        corrects=minutes.corrects.number if minutes.corrects else None,
        font_dir=settings.MINUTES_FONT_DIR,
    )


def minutes_approve(*, actor: User, minutes: Minutes) -> Minutes:
    """The chair approves the text ("as corrected" if it changed after it was first submitted);
    the PDF is rendered now, with its two empty signature fields."""
    _require(
        permissions.can_review_minutes(actor, minutes.meeting),
        _("Only the chair approves the minutes."),
    )
    with transaction.atomic():
        minutes = _lock(minutes)
        _require_status(minutes, [S.SUBMITTED], _("Only submitted minutes can be approved."))
        minutes.status = S.APPROVED
        minutes.approved_at = timezone.now()
        minutes.approved_by = actor
        minutes.approved_as_corrected = minutes.changed_after_submission
        rendered = layout.render(document_of(minutes))
        pdf = signing.with_signature_fields(rendered.pdf, rendered.boxes)
        minutes.signature_boxes = rendered.boxes
        minutes.pdf = pdf
        minutes.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        minutes.save()
        _version(minutes, MinutesVersion.Event.APPROVED, actor)
        _publish(minutes, "minutes.minutes_approved")
    return minutes


def minutes_sign(*, actor: User, minutes: Minutes, pkcs12: bytes, passphrase: str) -> Minutes:
    """Sign the approved minutes with the signer's own key: the secretary first, then the
    chair. The key and its passphrase are used for this signature only and never stored. The
    new signature must verify against the configured trust roots, or nothing is saved."""
    meeting = minutes.meeting
    with transaction.atomic():
        minutes = _lock(minutes)
        _require_status(
            minutes,
            [S.APPROVED, S.SECRETARY_SIGNED],
            _("Only approved minutes can be signed."),
        )
        if minutes.status == S.APPROVED:
            role = MinutesSignature.Role.SECRETARY
            _require(
                permissions.can_write_minutes(actor, meeting),
                _("The secretary signs the minutes first."),
            )
            reason, target = "Thư ký ký biên bản", S.SECRETARY_SIGNED
        else:
            role = MinutesSignature.Role.CHAIR
            _require(
                permissions.can_review_minutes(actor, meeting),
                _("The chair signs the minutes after the secretary."),
            )
            reason, target = "Chủ tọa ký biên bản", S.SIGNED
        try:
            key = signing.load_key(pkcs12, passphrase)
        except signing.SigningError:
            raise ServiceError(
                _(
                    "The key file could not be opened: check that it is a PKCS#12 (.p12) file "
                    "and that the passphrase is right."
                ),
                field="pkcs12",
            ) from None
        pdf = bytes(minutes.pdf or b"")
        signed = signing.sign(
            pdf,
            role=role,
            key=key,
            reason=reason,
            location=settings.MINUTES_PLACE,
            tsa_url=settings.MINUTES_TSA_URL,
        )
        _require_trusted(signed, key)
        now = timezone.now()
        minutes.pdf = signed
        minutes.pdf_sha256 = hashlib.sha256(signed).hexdigest()
        minutes.status = target
        minutes.save()
        MinutesSignature.objects.create(
            minutes=minutes,
            role=role,
            signer=actor,
            certificate_subject=key.subject[:500],
            certificate_sha256=key.sha256,
            signed_at=now,
            pdf_sha256=minutes.pdf_sha256,
        )
        _publish(
            minutes,
            "minutes.minutes_signed" if target == S.SIGNED else "minutes.minutes_secretary_signed",
        )
    return minutes


def _require_trusted(pdf: bytes, key: signing.Key) -> None:
    """The signature just made must be valid and lead to a trusted root: a key from an unknown
    authority would give minutes that nobody can verify."""
    roots = verify.load_trust_roots(settings.MINUTES_TRUST_ROOTS)
    checks = verify.verify_pdf(pdf, roots)
    last = checks[-1]
    if not (last.valid and last.trusted):
        raise ServiceError(
            _("This certificate (%(subject)s) is not issued by a trusted authority.")
            % {"subject": key.subject},
            field="pkcs12",
        )
