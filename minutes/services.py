"""Every change to minutes: draft from the record, edit, submit, return, approve, sign, correct.

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

import datetime
import hashlib
import logging
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agendas import services as agenda_services
from agendas.models import AgendaItem
from audit import trail
from audit.models import Entry
from consultations.models import Consultation
from core.errors import ServiceError, require
from meetings import permissions as meeting_permissions
from meetings.models import Body, Meeting, Membership
from minutes import archive, draft, keys, layout, permissions, selectors, signing, verify
from minutes.models import (
    ActionItem,
    ActionNote,
    LinkedConsultation,
    Minutes,
    MinutesSignature,
    MinutesVersion,
)
from realtime import events

S = Minutes.Status
MAX_SECTION_CHARS = 100_000

logger = logging.getLogger(__name__)


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
            _publish(minutes, "minutes.minutes_drafted")
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
    minutes = _lock(current)
    _require_status(
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
    _save_edited(minutes, actor)
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
            archive.minutes_index(correction)
            _version(correction, MinutesVersion.Event.DRAFTED, actor)
            _publish(correction, "minutes.minutes_drafted")
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
        _save_edited(minutes, actor)
    return minutes


def _save_edited(minutes: Minutes, actor: User) -> None:
    """Save changed minutes as a new version: searchable, kept, and announced. Minutes returned
    by the chair are marked as changed since they were submitted."""
    if minutes.submitted_at is not None:
        minutes.changed_after_submission = True
    minutes.save()
    archive.minutes_index(minutes)
    _version(minutes, MinutesVersion.Event.EDITED, actor)
    _publish(minutes, "minutes.minutes_edited")


def minutes_submit(*, actor: User, minutes: Minutes) -> Minutes:
    """Send the minutes to the chair for approval."""
    require(
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
    require(
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


def minutes_approve(*, actor: User, minutes: Minutes) -> Minutes:
    """The chair approves the text ("as corrected" if it changed after it was first submitted);
    the PDF is rendered now, with its two empty signature fields."""
    require(
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
        rendered = layout.render(selectors.document_of(minutes))
        pdf = signing.with_signature_fields(rendered.pdf, rendered.boxes)
        minutes.signature_boxes = rendered.boxes
        minutes.pdf = pdf
        minutes.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        minutes.save()
        _version(minutes, MinutesVersion.Event.APPROVED, actor)
        _publish(minutes, "minutes.minutes_approved")
    return minutes


def minutes_sign(*, actor: User, minutes: Minutes, pkcs12: bytes, passphrase: str) -> Minutes:
    """Sign the approved minutes with the signer's own key file: the secretary first, then the
    chair. The key and its passphrase are used for this signature only and never stored. The
    new signature must verify against the configured trust roots, or nothing is saved."""

    def key_file() -> AbstractContextManager[signing.Key]:
        try:
            return nullcontext(signing.load_key(pkcs12, passphrase))
        except signing.SigningError:
            raise ServiceError(
                _(
                    "The key file could not be opened: check that it is a PKCS#12 (.p12) file "
                    "and that the passphrase is right."
                ),
                field="pkcs12",
            ) from None

    return _sign(actor=actor, minutes=minutes, open_key=key_file, field="pkcs12")


def minutes_sign_with_stored_key(*, actor: User, minutes: Minutes, passphrase: str = "") -> Minutes:
    """Sign the approved minutes with the signer's key file kept on the server
    (MINUTES_PKCS12_PATH): same order, rights and checks as `minutes_sign`. The file is opened
    with the passphrase the signer types, or with MINUTES_PKCS12_PASSPHRASE where the server
    holds it (then `passphrase` is not used). The file is read only once the actor is known to
    be the one who signs now, so that nobody else can try passphrases on it; the passphrase is
    neither stored nor logged."""
    if not keys.stored_key_signing_enabled():
        raise ServiceError(
            _("Signing with a key kept on the server is not set up on this server."),
            field="stored_key",
        )
    held = settings.MINUTES_PKCS12_PASSPHRASE
    if not held and not passphrase:
        raise ServiceError(
            _("Type the passphrase of your key kept on the server."), field="passphrase"
        )

    def stored_key() -> AbstractContextManager[signing.Key]:
        path = keys.stored_key_path(actor)
        try:
            if path is None:
                raise signing.KeyFileError(signing.KeyFileFailure.MISSING, "unsafe user name")
            key = signing.load_key(signing.read_key_file(path), held or passphrase)
        except signing.SigningError as error:
            failure = error.failure.value if isinstance(error, signing.KeyFileError) else "open"
            # The file's path and the library's words are for the administrator.
            logger.warning(
                "Stored key signing refused for user %s (%s): %s: %s",
                actor.pk,
                path,
                failure,
                error,
            )
            raise _stored_key_refusal(error, held=bool(held)) from None
        return nullcontext(key)

    return _sign(actor=actor, minutes=minutes, open_key=stored_key, field="stored_key")


def _stored_key_refusal(error: signing.SigningError, *, held: bool) -> ServiceError:
    if isinstance(error, signing.KeyFileError):
        if error.failure == signing.KeyFileFailure.MISSING:
            return ServiceError(
                _(
                    "No key is kept on the server for you: sign with your key file, or ask the "
                    "administrator to put yours in place."
                ),
                field="stored_key",
            )
        return ServiceError(
            _("Your key kept on the server cannot be read: tell the administrator."),
            field="stored_key",
        )
    if held:
        return ServiceError(
            _("Your key kept on the server could not be opened: tell the administrator."),
            field="stored_key",
        )
    return ServiceError(
        _(
            "Your key kept on the server could not be opened with this passphrase: check it, "
            "or tell the administrator if it is right."
        ),
        field="passphrase",
    )


def minutes_sign_with_token(*, actor: User, minutes: Minutes, pin: str) -> Minutes:
    """Sign the approved minutes with the signer's key on the PKCS#11 token
    (MINUTES_PKCS11_MODULE): same order, rights and checks as `minutes_sign`. The token and the
    key are found by their labels, made from the signer's user name; the PIN logs in for this
    signature only and is neither stored nor logged. The token is opened only once the actor
    is known to be the one who signs now, so that nobody else can spend its PIN attempts."""
    if not keys.token_signing_enabled():
        raise ServiceError(_("Signing with a token is not set up on this server."), field="pin")

    @contextmanager
    def token_key() -> Iterator[signing.Key]:
        token_label = signing.label_for(settings.MINUTES_PKCS11_TOKEN_LABEL, actor.username)
        key_label = signing.label_for(settings.MINUTES_PKCS11_KEY_LABEL, actor.username)
        try:
            with signing.token_key(
                module=settings.MINUTES_PKCS11_MODULE,
                token_label=token_label,
                key_label=key_label,
                pin=pin,
                chain=verify.load_trust_roots(settings.MINUTES_TRUST_ROOTS),
            ) as key:
                yield key
        except signing.TokenError as error:
            # The module's own words are for the administrator; the signer gets a message.
            logger.warning(
                "Token signing refused for user %s (token %r, key %r): %s: %s",
                actor.pk,
                token_label,
                key_label,
                error.failure.value,
                error,
            )
            raise ServiceError(
                _token_message(error.failure, token_label=token_label, key_label=key_label),
                field="pin",
            ) from None

    return _sign(actor=actor, minutes=minutes, open_key=token_key, field="pin")


def _token_message(failure: signing.TokenFailure, *, token_label: str, key_label: str) -> str:
    F = signing.TokenFailure
    if failure == F.PIN:
        return _("The PIN is wrong.")
    if failure == F.PIN_LOCKED:
        return _(
            "The token's PIN is locked after too many wrong tries: ask the administrator to "
            "unlock it."
        )
    if failure == F.TOKEN:
        return _(
            "There is no signing token named %(label)s on this server: ask the administrator "
            "to set one up for you."
        ) % {"label": token_label}
    if failure == F.KEY:
        return _(
            "The token holds no key and certificate labelled %(label)s: ask the administrator "
            "to put yours on it."
        ) % {"label": key_label}
    if failure == F.MODULE:
        return _("The signing token cannot be reached on this server: tell the administrator.")
    return _("The token could not sign: try again, or tell the administrator.")


def _sign(
    *,
    actor: User,
    minutes: Minutes,
    open_key: Callable[[], AbstractContextManager[signing.Key]],
    field: str,
) -> Minutes:
    """The signing every key source shares: the row is locked so that two signers cannot both
    take the same state; who signs depends on the state; the key is opened only after that
    check; any refusal leaves the minutes as they were."""
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
            require(
                permissions.can_write_minutes(actor, meeting),
                _("The secretary signs the minutes first."),
            )
            reason, target = "Thư ký ký biên bản", S.SECRETARY_SIGNED
            title = minutes.record.get("secretary_title", "")
        else:
            role = MinutesSignature.Role.CHAIR
            require(
                permissions.can_review_minutes(actor, meeting),
                _("The chair signs the minutes after the secretary."),
            )
            reason, target = "Chủ tọa ký biên bản", S.SIGNED
            title = minutes.record.get("chair_title", "")
        pdf = bytes(minutes.pdf or b"")
        with open_key() as key:
            signed = signing.sign(
                pdf,
                role=role,
                key=key,
                reason=reason,
                location=settings.MINUTES_PLACE,
                title=title,
                signed_at=timezone.localtime(),
                font_file=settings.PDF_FONT_DIR / layout.FONT_FILES[layout.FONT],
                tsa_url=settings.MINUTES_TSA_URL,
            )
        _require_trusted(signed, key, field)
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
        trail.record(
            Entry.Action.MINUTES_SIGNED,
            actor=actor,
            meeting_id=meeting.pk,
            details={
                "minutes": minutes.pk,
                "role": role,
                "pdf_sha256": minutes.pdf_sha256,
                "certificate_sha256": key.sha256,
            },
        )
    return minutes


def _require_trusted(pdf: bytes, key: signing.Key, field: str) -> None:
    """The signature just made must be valid and lead to a trusted root: a key from an unknown
    authority would give minutes that nobody can verify."""
    roots = verify.load_trust_roots(settings.MINUTES_TRUST_ROOTS)
    checks = verify.verify_pdf(pdf, roots)
    last = checks[-1]
    if not (last.valid and last.trusted):
        raise ServiceError(
            _("This certificate (%(subject)s) is not issued by a trusted authority.")
            % {"subject": key.subject},
            field=field,
        )


# Action items (conclusions) and their follow-up
#
# The secretariat records the tasks a meeting gave out and follows them up; the person a task
# is assigned to reports on it with notes. Notes are kept as written: they are the history.

A = ActionItem.Status
MAX_ACTION_CHARS = 2000
MAX_ORGANISATION_CHARS = 200
# Where the assignee may move their own task; done and cancelled are the secretariat's to undo.
ASSIGNEE_STATUSES = (A.IN_PROGRESS, A.DONE)
OFFERABLE_MEETINGS = (Meeting.Status.DRAFT, Meeting.Status.SCHEDULED)


def _lock_action(action: ActionItem) -> ActionItem:
    return (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("meeting__body", "assignee_user")
        .get(pk=action.pk)
    )


def _publish_action(action: ActionItem, type: str) -> None:
    events.publish(
        meeting=action.meeting,
        type=type,
        payload={"action": action.pk, "status": action.status},
        restricted_to=meeting_permissions.MANAGE_MEETING,
    )


def _is_member(meeting: Meeting, user: User) -> bool:
    # A member whose membership has ended is no longer someone the body can give work to.
    return (
        Membership.objects.filter(body_id=meeting.body_id, user=user)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=timezone.localdate()))
        .exists()
    )


def _valid_action_fields(
    *,
    meeting: Meeting,
    text: str,
    assignee_user: User | None,
    assignee_organisation: str,
    due_on: datetime.date,
    item: AgendaItem | None,
) -> tuple[str, str]:
    text, organisation = text.strip(), assignee_organisation.strip()
    if not text:
        raise ServiceError(_("Write the task."), field="text")
    if len(text) > MAX_ACTION_CHARS:
        raise ServiceError(
            _("The task is too long: at most %(count)d characters.") % {"count": MAX_ACTION_CHARS},
            field="text",
        )
    if (assignee_user is None) == (not organisation):
        raise ServiceError(
            _("Assign the task either to a member or to an organisation, not both."),
            field="assignee_user",
        )
    if len(organisation) > MAX_ORGANISATION_CHARS:
        raise ServiceError(
            _("The organisation's name is too long: at most %(count)d characters.")
            % {"count": MAX_ORGANISATION_CHARS},
            field="assignee_organisation",
        )
    if assignee_user is not None and not _is_member(meeting, assignee_user):
        raise ServiceError(
            _("The task can only be assigned to a member of %(body)s.")
            % {"body": meeting.body.name},
            field="assignee_user",
        )
    if due_on < timezone.localtime(meeting.starts_at).date():
        raise ServiceError(_("The due date cannot be before the meeting."), field="due_on")
    if item is not None and item.meeting_id != meeting.pk:
        raise ServiceError(_("The agenda item is not one of this meeting's."), field="item")
    return text, organisation


def action_create(
    *,
    actor: User,
    meeting: Meeting,
    text: str,
    due_on: datetime.date,
    assignee_user: User | None = None,
    assignee_organisation: str = "",
    item: AgendaItem | None = None,
) -> ActionItem:
    """Record a task the meeting gave out (the secretariat), for a member or an organisation."""
    require(
        permissions.can_manage_actions(actor, meeting),
        _("Only the secretariat records the meeting's tasks."),
    )
    if meeting.status == Meeting.Status.CANCELLED:
        raise ServiceError(_("The meeting was cancelled."))
    text, organisation = _valid_action_fields(
        meeting=meeting,
        text=text,
        assignee_user=assignee_user,
        assignee_organisation=assignee_organisation,
        due_on=due_on,
        item=item,
    )
    with transaction.atomic():
        action = ActionItem.objects.create(
            meeting=meeting,
            item=item,
            text=text,
            assignee_user=assignee_user,
            assignee_organisation=organisation,
            due_on=due_on,
            created_by=actor,
        )
        _publish_action(action, "minutes.action_created")
    return action


def action_edit(
    *,
    actor: User,
    action: ActionItem,
    text: str,
    due_on: datetime.date,
    assignee_user: User | None = None,
    assignee_organisation: str = "",
    item: AgendaItem | None = None,
) -> ActionItem:
    """Change an outstanding task's text, assignee or due date (the secretariat)."""
    require(
        permissions.can_manage_actions(actor, action.meeting),
        _("Only the secretariat changes the meeting's tasks."),
    )
    with transaction.atomic():
        # Locked so that an edit and a note closing the task apply one after the other.
        action = _lock_action(action)
        if not action.is_outstanding:
            raise ServiceError(_("A task that is done or cancelled no longer changes."))
        action.text, action.assignee_organisation = _valid_action_fields(
            meeting=action.meeting,
            text=text,
            assignee_user=assignee_user,
            assignee_organisation=assignee_organisation,
            due_on=due_on,
            item=item,
        )
        action.assignee_user, action.due_on, action.item = assignee_user, due_on, item
        action.save()
        _publish_action(action, "minutes.action_edited")
    return action


def action_note_add(
    *, actor: User, action: ActionItem, text: str = "", status: str = ""
) -> ActionNote:
    """A follow-up note, optionally moving the task on: the secretariat to any status but
    cancelled (see action_cancel), the assignee to in progress or done."""
    require(
        permissions.can_follow_up_action(actor, action),
        _("Only the secretariat and the person the task is assigned to follow it up."),
    )
    text = text.strip()
    if len(text) > MAX_ACTION_CHARS:
        raise ServiceError(
            _("The note is too long: at most %(count)d characters.") % {"count": MAX_ACTION_CHARS},
            field="text",
        )
    if not text and not status:
        raise ServiceError(_("Write a note or change the status."), field="text")
    secretariat = permissions.can_manage_actions(actor, action.meeting)
    allowed = (A.OPEN, A.IN_PROGRESS, A.DONE) if secretariat else ASSIGNEE_STATUSES
    if status and status not in allowed:
        raise ServiceError(_("This status cannot be set here."), field="status")
    with transaction.atomic():
        # Locked so that two notes changing the status do not both start from the same one.
        action = _lock_action(action)
        if not action.is_outstanding and not secretariat:
            raise ServiceError(_("The task is closed; ask the secretariat to reopen it."))
        if action.status == A.CANCELLED:
            raise ServiceError(_("The task was cancelled."))
        changed = status if status and status != action.status else ""
        note = ActionNote.objects.create(action=action, author=actor, text=text, status=changed)
        if changed:
            action.status = changed
            action.done_at = timezone.now() if changed == A.DONE else None
            action.save(update_fields=["status", "done_at"])
        _publish_action(action, "minutes.action_noted")
    return note


def action_cancel(*, actor: User, action: ActionItem, reason: str = "") -> ActionItem:
    """The task is no longer needed (the secretariat); the reason is kept as a note."""
    require(
        permissions.can_manage_actions(actor, action.meeting),
        _("Only the secretariat cancels the meeting's tasks."),
    )
    with transaction.atomic():
        action = _lock_action(action)
        if not action.is_outstanding:
            raise ServiceError(_("Only an open task can be cancelled."))
        action.status = A.CANCELLED
        action.save(update_fields=["status"])
        ActionNote.objects.create(
            action=action, author=actor, text=reason.strip()[:MAX_ACTION_CHARS], status=A.CANCELLED
        )
        _publish_action(action, "minutes.action_cancelled")
    return action


def action_offer_to_agenda(*, actor: User, action: ActionItem, meeting: Meeting) -> AgendaItem:
    """Put an outstanding task on a later meeting of the same body as "Follow-up: <task>"
    (through the agenda's own service, which checks the agenda is still open)."""
    require(
        permissions.can_manage_actions(actor, action.meeting)
        and meeting_permissions.can_manage_meeting(actor, meeting),
        _("Only the secretariat puts tasks on an agenda."),
    )
    if meeting.body_id != action.meeting.body_id:
        raise ServiceError(_("Choose a meeting of the same body."), field="meeting")
    if meeting.starts_at <= action.meeting.starts_at or meeting.status not in OFFERABLE_MEETINGS:
        raise ServiceError(
            _("Choose a later meeting whose agenda is still being prepared."), field="meeting"
        )
    with transaction.atomic():
        # Locked so that the task cannot be offered twice by two clicks at once.
        action = _lock_action(action)
        if action.followed_up_in_id is not None:
            raise ServiceError(_("This task is already on an agenda."))
        if not action.is_outstanding:
            raise ServiceError(_("Only an open task can be put on an agenda."))
        title = _("Follow-up: %(task)s") % {"task": action.text}
        item = agenda_services.agenda_item_create(
            actor=actor,
            meeting=meeting,
            title=title[: AgendaItem._meta.get_field("title").max_length or 300],
            description=action.text,
        )
        action.followed_up_in = item
        action.save(update_fields=["followed_up_in"])
        _publish_action(action, "minutes.action_offered")
    return item


# Written-opinion polls reported in the minutes
#
# A poll decided in writing between meetings is reported in the minutes of a meeting of the
# same body, usually the next one: the secretariat links it. A link made before the draft is
# written puts the poll in the draft; a link made (or removed) while the draft or the returned
# minutes are being edited changes their record and adds (or removes) the poll's section, as a
# new version. Once the minutes are submitted to the chair their record no longer changes:
# return them first, or report the poll in a later meeting.

EDITABLE_MINUTES = (S.DRAFT, S.RETURNED)
REPORTABLE_CONSULTATIONS = (Consultation.Status.CLOSED, Consultation.Status.DECIDED)


def _lock_meeting_minutes(meeting: Meeting) -> Minutes | None:
    """Lock the meeting (minutes_draft locks it too) and its current minutes; refuse when the
    minutes exist and are no longer being edited."""
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    current = selectors.current_minutes(meeting)
    if current is None:
        return None
    minutes = _lock(current)
    _require_status(
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
    _save_edited(minutes, actor)


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
