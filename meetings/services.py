"""Every change to bodies, memberships, meetings and attendance goes through these functions.

Each one authorises the actor, locks what it must, validates, writes, and registers its
e-mails with `transaction.on_commit`, so nothing is sent for a change that rolls back.
"""

from __future__ import annotations

import datetime
import secrets
import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from audit import trail
from audit.models import Entry
from core import accounts, dates
from core.errors import ServiceError, require
from meetings import invitations, permissions, rules, signals
from meetings.models import Attendance, AttendanceCorrection, Body, Meeting, Membership
from meetings.selectors import attendance_figures, meeting_quorum
from meetings.text import require_one_line
from realtime import displays, events
from realtime.models import DisplayToken

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise

VOTING_ROLES = {Membership.Role.CHAIR, Membership.Role.VICE_CHAIR, Membership.Role.MEMBER}
PRESETS = {
    Body.Kind.GOVERNMENT: rules.GOVERNMENT_RULES,
    Body.Kind.COMMITTEE: rules.COMMITTEE_RULES,
    Body.Kind.BOARD: rules.COMMITTEE_RULES,
}
# Meeting fields whose change is sent to invitees as a calendar update.
CALENDAR_FIELDS = {"title", "starts_at", "ends_at", "place", "online_link", "description"}
EDITABLE_MEETING_FIELDS = CALENDAR_FIELDS | {"kind", "confidentiality", "video_link"}
RULE_FIELDS = (
    "quorum_numerator",
    "quorum_denominator",
    "quorum_strict",
    "quorum_base",
    "majority_numerator",
    "majority_denominator",
    "majority_strict",
    "majority_base",
    "tie_rule",
    "substitutes_may_vote",
    "chair_votes_last",
    "votes_may_change",
    "remote_attendance_allowed",
    "remote_counts_for_quorum",
    "remote_may_vote",
    "rules_reference",
    "extraordinary_numerator",
    "extraordinary_denominator",
)
EDITABLE_BODY_FIELDS = {"name", "kind", "description", "language", *RULE_FIELDS}


def default_language_for(kind: str) -> str:
    """The Government of Viet Nam keeps its record in Vietnamese; other bodies in the site's
    language."""
    return "vi" if kind == Body.Kind.GOVERNMENT else settings.LANGUAGE_CODE


def _validate_rules(body: Body) -> None:
    if body.language not in dict(settings.LANGUAGES):
        raise ServiceError(_("Choose one of the languages offered."), field="language")
    for part in ("quorum", "majority"):
        numerator = getattr(body, f"{part}_numerator")
        denominator = getattr(body, f"{part}_denominator")
        if numerator == 0:
            raise ServiceError(
                _("A quorum or majority of zero is not a rule."), field=f"{part}_numerator"
            )
        if denominator <= 0 or numerator > denominator:
            raise ServiceError(
                _("A quorum or majority must be a fraction between 0 and 1, such as 2/3."),
                field=f"{part}_numerator",
            )
    if body.remote_counts_for_quorum and not body.remote_attendance_allowed:
        raise ServiceError(
            _("Remote members can count toward the quorum only where members may attend remotely."),
            field="remote_counts_for_quorum",
        )
    if body.remote_may_vote and not body.remote_counts_for_quorum:
        raise ServiceError(
            _(
                "Remote members can vote only where they count toward the quorum: a ballot is"
                " cast by someone present."
            ),
            field="remote_may_vote",
        )
    # Who may demand an extraordinary meeting: a share of all members, or no one but the chair.
    numerator, denominator = body.extraordinary_numerator, body.extraordinary_denominator
    if (numerator is None) != (denominator is None):
        raise ServiceError(
            _("Give both parts of the share of members who may demand a meeting, or neither."),
            field="extraordinary_numerator",
        )
    if denominator is not None and not 0 < numerator <= denominator:  # type: ignore[operator]
        raise ServiceError(
            _("The share of members who may demand a meeting is a fraction such as 1/3."),
            field="extraordinary_numerator",
        )


def rules_for(kind: str, overrides: Mapping[str, Any]) -> rules.DecisionRules:
    """The kind's usual rules with the given rule fields replaced, for a new body. Raises
    ServiceError, naming the field, when they do not make a rule."""
    body = Body(kind=kind)
    body.apply_rules(PRESETS[Body.Kind(kind)])
    for name, value in overrides.items():
        setattr(body, name, value)
    _validate_rules(body)
    return body.decision_rules


def _unique_name(body: Body) -> None:
    if Body.objects.filter(name__iexact=body.name).exclude(pk=body.pk).exists():
        raise ServiceError(_("A body with this name already exists."), field="name")


# Bodies and memberships


def body_create(
    *,
    actor: User,
    name: str,
    kind: str,
    description: str = "",
    decision_rules: rules.DecisionRules | None = None,
    language: str = "",
) -> Body:
    """Create a body with its kind's default rules unless others are given, and the language of
    its record: Vietnamese for the Government unless another is given."""
    require(permissions.can_create_body(actor), _("Only the secretariat can create bodies."))
    body = Body(
        name=name.strip(),
        kind=kind,
        description=description,
        language=language or default_language_for(kind),
    )
    body.apply_rules(decision_rules or PRESETS[Body.Kind(kind)])
    _validate_rules(body)
    _unique_name(body)
    with transaction.atomic():
        body.save()
        permissions.grant_body_roles(body, actor)
    return body


def body_update(*, actor: User, body: Body, **fields: Any) -> Body:
    require(permissions.can_manage_body(actor, body), _("You cannot change this body."))
    unknown = set(fields) - EDITABLE_BODY_FIELDS
    if unknown:
        raise ServiceError(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    with transaction.atomic():
        body = Body.objects.select_for_update().get(pk=body.pk)
        for name, value in fields.items():
            setattr(body, name, value)
        if "name" in fields:
            body.name = body.name.strip()
            _unique_name(body)
        _validate_rules(body)
        body.save()
    return body


def membership_create(
    *,
    actor: User,
    body: Body,
    user: User,
    role: str,
    title: str = "",
    has_vote: bool | None = None,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
) -> Membership:
    """Add a person to a body: they gain their role's rights and are invited to the body's
    scheduled meetings."""
    require(permissions.can_manage_body(actor, body), _("You cannot change this body's members."))
    membership = Membership(
        body=body,
        user=user,
        role=role,
        title=title,
        has_vote=role in VOTING_ROLES if has_vote is None else has_vote,
        starts_on=starts_on or timezone.localdate(),
        ends_on=ends_on,
    )
    _validate_membership_dates(membership)
    try:
        with transaction.atomic():
            membership.save()
            if membership.is_current:
                permissions.join_role(membership)
                _invite_to_scheduled_meetings(membership)
            _audit_membership(Entry.Action.MEMBERSHIP_CREATED, actor, membership)
    except IntegrityError:
        raise ServiceError(
            _("This person is already a member of this body."), field="user"
        ) from None
    return membership


def membership_update(*, actor: User, membership: Membership, **fields: Any) -> Membership:
    body = membership.body
    require(permissions.can_manage_body(actor, body), _("You cannot change this body's members."))
    unknown = set(fields) - {"role", "title", "has_vote", "starts_on", "ends_on"}
    if unknown:
        raise ServiceError(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("body", "user")
            .get(pk=membership.pk)
        )
        old_role, was_current = membership.role, membership.is_current
        for name, value in fields.items():
            setattr(membership, name, value)
        _validate_membership_dates(membership)
        membership.save()
        if was_current:
            permissions.leave_role(membership, old_role)
        if membership.is_current:
            permissions.join_role(membership)
        elif was_current:
            _uninvite_from_scheduled_meetings(membership)
        events.recheck_access(
            meeting_ids=list(
                body.meetings.exclude(status=Meeting.Status.CLOSED).values_list("pk", flat=True)
            ),
            user_ids=[membership.user_id],
        )
        _audit_membership(Entry.Action.MEMBERSHIP_CHANGED, actor, membership)
    return membership


def _audit_membership(action: str, actor: User | None, membership: Membership) -> None:
    trail.record(
        action,
        actor=actor,
        person=membership.user,
        details={
            "body": membership.body_id,
            "role": membership.role,
            "has_vote": membership.has_vote,
            "starts_on": membership.starts_on.isoformat(),
            "ends_on": membership.ends_on.isoformat() if membership.ends_on else "",
        },
    )


def memberships_sync(*, today: datetime.date | None = None) -> int:
    """Apply membership dates that have arrived: a membership starting today grants its role's
    rights and invitations, one that ended takes them away. Run daily (`manage.py
    sync_memberships`); changes made through the other services take effect at once already.
    Returns how many memberships changed."""
    today = today or timezone.localdate()
    holders = permissions.role_holders()
    changed = 0
    for membership in Membership.objects.select_related("body", "user"):
        current = membership.is_current_on(today)
        granted = (
            permissions.role_group_name(membership.body_id, membership.role),
            membership.user_id,
        ) in holders
        if current == granted:
            continue
        with transaction.atomic():
            if current:
                permissions.join_role(membership)
                _invite_to_scheduled_meetings(membership)
            else:
                permissions.leave_role(membership)
                _uninvite_from_scheduled_meetings(membership)
                events.recheck_access(
                    meeting_ids=list(
                        membership.body.meetings.exclude(status=Meeting.Status.CLOSED).values_list(
                            "pk", flat=True
                        )
                    ),
                    user_ids=[membership.user_id],
                )
            # Its dates arrived: the rights change without anyone acting.
            _audit_membership(Entry.Action.MEMBERSHIP_CHANGED, None, membership)
        changed += 1
    return changed


def membership_end(
    *, actor: User, membership: Membership, ends_on: datetime.date | None = None
) -> Membership:
    """End a membership: the person loses access to the body and its meetings, and their
    invitations to meetings not yet held are withdrawn."""
    ends_on = ends_on or timezone.localdate()
    return membership_update(actor=actor, membership=membership, ends_on=ends_on)


def _validate_membership_dates(membership: Membership) -> None:
    if membership.ends_on and membership.ends_on < membership.starts_on:
        raise ServiceError(_("A membership cannot end before it starts."), field="ends_on")


def _invite_to_scheduled_meetings(membership: Membership) -> None:
    upcoming = Meeting.objects.filter(
        body=membership.body, status=Meeting.Status.SCHEDULED
    ).exclude(attendances__user=membership.user)
    for meeting in upcoming:
        _attendance_for(meeting, membership).save()
        _send_on_commit(meeting, [membership.user], invitations.Method.REQUEST)


def _uninvite_from_scheduled_meetings(membership: Membership) -> None:
    attendances = Attendance.objects.filter(
        meeting__body=membership.body,
        meeting__status=Meeting.Status.SCHEDULED,
        user=membership.user,
    ).select_related("meeting")
    for attendance in attendances:
        _send_on_commit(attendance.meeting, [membership.user], invitations.Method.CANCEL)
        attendance.delete()


# Meetings


def meeting_create(
    *,
    actor: User,
    body: Body,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    place: str = "",
    online_link: str = "",
    kind: str = Meeting.Kind.REGULAR,
    confidentiality: str = Meeting.Confidentiality.INTERNAL,
    description: str = "",
    video_link: str = "",
) -> Meeting:
    """Create a draft meeting; members see it once it is scheduled. Without a video room given,
    it gets one from VIDEO_ROOM_PATTERN, named so that nobody can guess it."""
    require(permissions.can_manage_body(actor, body), _("You cannot plan meetings of this body."))
    meeting = Meeting(
        body=body,
        title=title.strip(),
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip(),
        online_link=online_link.strip(),
        confidentiality=confidentiality,
        description=description,
        video_link=video_link.strip() or default_video_link(),
        created_by=actor,
    )
    _validate_meeting(meeting)
    with transaction.atomic():
        meeting.save()
        permissions.grant_meeting_roles(meeting)
    return meeting


def default_video_link() -> str:
    pattern = settings.VIDEO_ROOM_PATTERN
    return pattern.format(slug=secrets.token_urlsafe(18)) if pattern else ""


def meeting_update(*, actor: User, meeting: Meeting, **fields: Any) -> Meeting:
    """Change a meeting that has not started. Invitees of a scheduled meeting get a calendar
    update (a higher SEQUENCE) when its time, place or title changes."""
    require(permissions.can_manage_meeting(actor, meeting), _("You cannot change this meeting."))
    unknown = set(fields) - EDITABLE_MEETING_FIELDS
    if unknown:
        raise ServiceError(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    with transaction.atomic():
        meeting = _lock(meeting)
        if meeting.status not in (Meeting.Status.DRAFT, Meeting.Status.SCHEDULED):
            raise ServiceError(_("Only a meeting that has not started can be changed."))
        changed = {name for name, value in fields.items() if getattr(meeting, name) != value}
        for name in changed:
            value = fields[name]
            setattr(meeting, name, value.strip() if isinstance(value, str) else value)
        _validate_meeting(meeting)
        if meeting.status == Meeting.Status.SCHEDULED and changed & CALENDAR_FIELDS:
            meeting.ics_sequence += 1
            _send_on_commit(meeting, _invitees(meeting), invitations.Method.REQUEST)
        meeting.save()
        if changed and meeting.status == Meeting.Status.SCHEDULED:
            events.publish(
                meeting=meeting,
                type="meetings.meeting_changed",
                payload={"fields": sorted(changed)},
            )
    return meeting


def meeting_schedule(*, actor: User, meeting: Meeting) -> Meeting:
    """Draft -> scheduled: invite every current member of the body, by e-mail with an
    iCalendar invitation."""
    require(permissions.can_manage_meeting(actor, meeting), _("You cannot schedule this meeting."))
    with transaction.atomic():
        meeting = _lock(meeting)
        _transition(meeting, "schedule")
        if meeting.ends_at <= timezone.now():
            raise ServiceError(_("This meeting's time has already passed; change it first."))
        current = Membership.objects.filter(body=meeting.body).select_related("user")
        members = [m for m in current if m.is_current]
        Attendance.objects.bulk_create(_attendance_for(meeting, m) for m in members)
        meeting.save()
        _publish_status(meeting, "meetings.meeting_scheduled")
        _send_on_commit(meeting, [m.user for m in members], invitations.Method.REQUEST)
    return meeting


def meeting_cancel(*, actor: User, meeting: Meeting, reason: str = "") -> Meeting:
    require(permissions.can_manage_meeting(actor, meeting), _("You cannot cancel this meeting."))
    with transaction.atomic():
        meeting = _lock(meeting)
        was_scheduled = meeting.status == Meeting.Status.SCHEDULED
        _transition(meeting, "cancel")
        meeting.cancelled_at = timezone.now()
        meeting.cancellation_reason = reason.strip()
        if was_scheduled:
            meeting.ics_sequence += 1
            _send_on_commit(meeting, _invitees(meeting), invitations.Method.CANCEL)
        meeting.save()
        _publish_status(meeting, "meetings.meeting_cancelled")
    return meeting


def meeting_start(*, actor: User, meeting: Meeting) -> Meeting:
    """Scheduled -> in session. Refused without a quorum, which the body's rules require."""
    require(permissions.can_run_meeting(actor, meeting), _("Only the chair can open the session."))
    with transaction.atomic():
        meeting = _lock(meeting)
        _transition(meeting, "start")
        _require_quorum(meeting)
        meeting.started_at = timezone.now()
        meeting.save()
        _publish_status(meeting, "meetings.meeting_started")
    return meeting


def meeting_adjourn(*, actor: User, meeting: Meeting) -> Meeting:
    require(permissions.can_run_meeting(actor, meeting), _("Only the chair can adjourn."))
    with transaction.atomic():
        meeting = _lock(meeting)
        _transition(meeting, "adjourn")
        meeting.adjourned_at = timezone.now()
        meeting.save()
        _publish_status(meeting, "meetings.meeting_adjourned")
    return meeting


def meeting_reconvene(*, actor: User, meeting: Meeting) -> Meeting:
    """Adjourned -> in session again, for a session continued later; needs a quorum again."""
    require(permissions.can_run_meeting(actor, meeting), _("Only the chair can reconvene."))
    with transaction.atomic():
        meeting = _lock(meeting)
        _transition(meeting, "reconvene")
        _require_quorum(meeting)
        meeting.adjourned_at = None
        meeting.save()
        _publish_status(meeting, "meetings.meeting_reconvened")
    return meeting


def meeting_close(*, actor: User, meeting: Meeting) -> Meeting:
    """Adjourned -> closed. Sends `signals.meeting_closed` in the same transaction, so that
    what other apps do at the close (documents withdraws confidential papers) happens exactly
    when the meeting closes."""
    require(permissions.can_manage_meeting(actor, meeting), _("You cannot close this meeting."))
    with transaction.atomic():
        meeting = _lock(meeting)
        _transition(meeting, "close")
        meeting.closed_at = timezone.now()
        meeting.save()
        _publish_status(meeting, "meetings.meeting_closed")
        # The minutes app drafts the minutes here, so the secretary finds them written, and the
        # documents app takes back the confidential papers.
        signals.meeting_closed.send(sender=Meeting, meeting=meeting, actor=actor)
    return meeting


class Transition(NamedTuple):
    sources: frozenset[str]
    target: str
    refusal: StrPromise


S = Meeting.Status
TRANSITIONS: dict[str, Transition] = {
    "schedule": Transition(
        frozenset({S.DRAFT}), S.SCHEDULED, _lazy("Only a draft meeting can be scheduled.")
    ),
    "cancel": Transition(
        frozenset({S.DRAFT, S.SCHEDULED}),
        S.CANCELLED,
        _lazy("Only a meeting that has not started can be cancelled."),
    ),
    "start": Transition(
        frozenset({S.SCHEDULED}), S.IN_SESSION, _lazy("Only a scheduled meeting can be opened.")
    ),
    "adjourn": Transition(
        frozenset({S.IN_SESSION}), S.ADJOURNED, _lazy("Only a session in progress can adjourn.")
    ),
    "reconvene": Transition(
        frozenset({S.ADJOURNED}), S.IN_SESSION, _lazy("Only an adjourned session can reconvene.")
    ),
    "close": Transition(
        frozenset({S.ADJOURNED}), S.CLOSED, _lazy("Only an adjourned meeting can be closed.")
    ),
}


def _transition(meeting: Meeting, action: str) -> None:
    transition = TRANSITIONS[action]
    if meeting.status not in transition.sources:
        raise ServiceError(
            _("%(refusal)s This meeting is %(status)s.")
            % {"refusal": transition.refusal, "status": meeting.get_status_display().lower()}
        )
    meeting.status = transition.target


def _publish_status(meeting: Meeting, type: str) -> None:
    events.publish(meeting=meeting, type=type, payload={"status": meeting.status})


def _publish_attendance(attendance: Attendance) -> None:
    """Tablets and the chair's board update the row and the quorum from this event."""

    def payload() -> dict[str, object]:
        figures = attendance_figures(attendance.meeting)
        quorum = figures.quorum
        return {
            "attendance": attendance.pk,
            "user": attendance.user_id,
            "status": attendance.status,
            "substitute": attendance.substitute_id,
            "substitute_present": attendance.substitute_checked_in_at is not None,
            "remote": attendance.remote,
            "quorum": {
                "present": quorum.present,
                "members": quorum.members,
                "required": quorum.required,
                "met": quorum.met,
            },
            "room": {"present": figures.in_the_room, "invited": figures.invited},
        }

    events.publish(
        meeting=attendance.meeting,
        type="meetings.attendance_changed",
        payload=payload,
        people=[attendance.user_id, *filter(None, [attendance.substitute_id])],
    )


def _lock(meeting: Meeting) -> Meeting:
    """Lock the meeting row: two lifecycle changes (start racing cancel, a double start)
    serialise on it, and the second sees the first's result."""
    return Meeting.objects.select_for_update(of=("self",)).select_related("body").get(pk=meeting.pk)


def _require_quorum(meeting: Meeting) -> None:
    result = meeting_quorum(meeting)
    if not result.met:
        raise ServiceError(_("The session cannot open without a quorum. %s") % result.explanation)


def _validate_meeting(meeting: Meeting) -> None:
    if not meeting.title:
        raise ServiceError(_("A meeting needs a title."), field="title")
    # The title is an e-mail subject and a calendar summary; the place a calendar location.
    require_one_line(meeting.title, field="title")
    require_one_line(meeting.place, field="place")
    if meeting.ends_at <= meeting.starts_at:
        raise ServiceError(_("A meeting must end after it starts."), field="ends_at")
    if not meeting.place and not meeting.online_link:
        raise ServiceError(_("Give a room or an online link."), field="place")


def _attendance_for(meeting: Meeting, membership: Membership) -> Attendance:
    return Attendance(
        meeting=meeting,
        user=membership.user,
        role=membership.role,
        title=membership.title,
        has_vote=membership.has_vote,
    )


def _invitees(meeting: Meeting) -> list[User]:
    attendances = meeting.attendances.select_related("user", "substitute")
    people = [a.user for a in attendances]
    people += [a.substitute for a in attendances if a.substitute is not None]
    return people


def _send_on_commit(
    meeting: Meeting, recipients: Iterable[User], method: invitations.Method
) -> None:
    meeting_id, sequence, user_ids = meeting.pk, meeting.ics_sequence, [u.pk for u in recipients]
    # Robust: a mail that cannot be built or sent is logged, and the committed change stands.
    transaction.on_commit(
        lambda: invitations.send(meeting_id, user_ids, method, sequence=sequence), robust=True
    )


# Attendance


def attendance_check_in(
    *,
    actor: User,
    meeting: Meeting,
    remote: bool = False,
    authenticated_at: float = 0.0,
) -> Attendance:
    """The actor checks themselves in, as an invited member or as a member's substitute.
    Check-in opens CHECK_IN_OPENS_HOURS before the start and stays open during the session.

    `remote`: a member attends from outside the room, where the body's rules allow it. It
    needs a fresh proof of who they are: `authenticated_at`, when they last typed their password
    or a second factor (core.accounts.last_authenticated_at); nobody in the room sees them
    arrive. Substitutes attend in the room. Checking in again in the other way moves
    the person (into the room, or out of it) without changing their arrival time."""
    if remote:
        require(
            accounts.is_recent(authenticated_at),
            _("Confirm who you are again to check in remotely."),
        )
    with transaction.atomic():
        attendance = _own_attendance_locked(actor, meeting)
        _require_check_in_open(attendance.meeting)
        now = timezone.now()
        if remote:
            _require_remote_allowed(attendance, actor)
        if attendance.substitute_id == actor.pk:
            attendance.substitute_checked_in_at = attendance.substitute_checked_in_at or now
        elif attendance.status == Attendance.Status.REPRESENTED:
            raise ServiceError(_("Your substitute attends this meeting for you."))
        else:
            if attendance.status != Attendance.Status.PRESENT:
                attendance.checked_in_at = now
                attendance.checked_out_at = None
            attendance.status = Attendance.Status.PRESENT
            attendance.reason = ""
            attendance.remote = remote
        _save_presence(attendance)
        _publish_attendance(attendance)
    return attendance


def _require_remote_allowed(attendance: Attendance, actor: User) -> None:
    # The rules are read from the body here, under the attendance lock, not from the caller's
    # copy: a body that stopped allowing it a moment ago refuses.
    allowed = Body.objects.filter(
        meetings=attendance.meeting_id, remote_attendance_allowed=True
    ).exists()
    if not allowed:
        raise ServiceError(_("This body's rules do not let members attend remotely."))
    if attendance.substitute_id == actor.pk:
        raise ServiceError(_("A substitute attends in the room."))


def attendance_check_out(*, actor: User, meeting: Meeting) -> Attendance:
    """The actor leaves the session; the quorum is recomputed without them."""
    with transaction.atomic():
        attendance = _own_attendance_locked(actor, meeting)
        if attendance.substitute_id == actor.pk:
            if attendance.substitute_checked_in_at is None:
                raise ServiceError(_("You have not checked in."))
            attendance.substitute_checked_in_at = None
        elif attendance.status != Attendance.Status.PRESENT:
            raise ServiceError(_("You have not checked in."))
        else:
            attendance.status = Attendance.Status.LEFT
            attendance.checked_out_at = timezone.now()
        _save_presence(attendance)
        _publish_attendance(attendance)
    return attendance


# Attendance is recorded while the meeting is live, and corrected after it closes until its
# minutes are approved (a receiver of `signals.attendance_corrected` refuses it then).
CORRECTABLE = {Meeting.Status.SCHEDULED, Meeting.Status.IN_SESSION, Meeting.Status.ADJOURNED}
CORRECTABLE_AFTER_CLOSE = {
    Attendance.Status.PRESENT,
    Attendance.Status.ABSENT,
    Attendance.Status.EXCUSED,
    Attendance.Status.REPRESENTED,
}


def attendance_record(
    *,
    actor: User,
    attendance: Attendance,
    status: str,
    reason: str = "",
    substitute: User | None = None,
    substitute_title: str = "",
    substitute_organisation: str = "",
    explanation: str = "",
) -> Attendance:
    """The secretariat records someone's attendance: present (checked in for them), absent or
    excused with a reason, represented by a substitute (with the substitute's title and
    organisation for the minutes), or back to invited. Each change is
    kept as an `AttendanceCorrection` with `explanation` (why).

    After the close the secretariat corrects the record until the minutes are approved: the
    explanation is required, a person found present counts from the opening, and the minutes
    follow (`signals.attendance_corrected`). The quorum history (the event log, the figures
    frozen in each vote's result) stays as it was known at the time."""
    meeting = attendance.meeting
    require(
        permissions.can_manage_meeting(actor, meeting),
        _("Only the secretariat records attendance."),
    )
    if status not in Attendance.Status.values:
        raise ServiceError(_("Unknown attendance status."), field="status")
    reason = reason.strip()
    explanation = explanation.strip()
    if status in (Attendance.Status.ABSENT, Attendance.Status.EXCUSED) and not reason:
        raise ServiceError(_("Give the reason for the absence."), field="reason")
    if status == Attendance.Status.REPRESENTED:
        if substitute is None:
            raise ServiceError(_("Choose the substitute."), field="substitute")
        if substitute.pk == attendance.user_id:
            raise ServiceError(_("A member cannot substitute for themselves."), field="substitute")
        if meeting.attendances.filter(user=substitute).exists():
            raise ServiceError(_("This person is invited in their own right."), field="substitute")
    elif substitute is not None:
        raise ServiceError(_("Only a represented member has a substitute."), field="substitute")
    try:
        with transaction.atomic():
            attendance = (
                Attendance.objects.select_for_update(of=("self",))
                .select_related("meeting__body", "user", "substitute")
                .get(pk=attendance.pk)
            )
            meeting = attendance.meeting
            closed = meeting.status == Meeting.Status.CLOSED
            if not closed and meeting.status not in CORRECTABLE:
                raise ServiceError(
                    _(
                        "Attendance can only be recorded for a scheduled meeting, and corrected"
                        " after it closes."
                    )
                )
            if closed and status not in CORRECTABLE_AFTER_CLOSE:
                raise ServiceError(
                    _(
                        "After the close, record the person present, absent, excused or"
                        " represented."
                    ),
                    field="status",
                )
            if closed and not explanation:
                raise ServiceError(
                    _("Say why the attendance is corrected after the meeting."),
                    field="explanation",
                )
            correction = AttendanceCorrection(
                attendance=attendance,
                corrected_by=actor,
                previous_status=attendance.status,
                status=status,
                previous_substitute=attendance.substitute,
                substitute=substitute,
                explanation=explanation,
                after_close=closed,
            )
            previous_substitute = attendance.substitute
            if previous_substitute is not None and previous_substitute != substitute:
                permissions.revoke_substitute(meeting, previous_substitute)
                attendance.substitute_checked_in_at = None
            now = timezone.now()
            if status == Attendance.Status.PRESENT and attendance.status != status:
                # Found present after the close: there from the opening, as far as the record
                # can tell; one who was recorded as leaving did not leave after all.
                if not closed:
                    attendance.checked_in_at = now
                elif attendance.status != Attendance.Status.LEFT:
                    attendance.checked_in_at = meeting.started_at or meeting.starts_at
                attendance.checked_out_at = None
            if status == Attendance.Status.LEFT and attendance.status != status:
                attendance.checked_out_at = now
            # Remote only while present or leaving as checked in: the secretariat records
            # presence in the room.
            attendance.remote = attendance.remote and {attendance.status, status} <= {
                Attendance.Status.PRESENT,
                Attendance.Status.LEFT,
            }
            attendance.status = status
            attendance.reason = reason
            attendance.substitute = substitute
            attendance.substitute_title = substitute_title.strip() if substitute else ""
            attendance.substitute_organisation = (
                substitute_organisation.strip() if substitute else ""
            )
            attendance.save()
            correction.save()
            _publish_attendance(attendance)
            if previous_substitute is not None and previous_substitute != substitute:
                events.recheck_access(meeting_ids=[meeting.pk], user_ids=[previous_substitute.pk])
            # A substitute named after the close took part in nothing the system holds: no
            # access to the papers and no invitation, only the line in the minutes.
            if substitute is not None and substitute != previous_substitute and not closed:
                permissions.grant_substitute(meeting, substitute)
                _send_on_commit(meeting, [substitute], invitations.Method.REQUEST)
            if closed:
                signals.attendance_corrected.send(sender=Meeting, meeting=meeting, actor=actor)
    except IntegrityError:
        raise ServiceError(
            _("This person already substitutes for another member."), field="substitute"
        ) from None
    return attendance


def substitute_add(
    *,
    actor: User,
    attendance: Attendance,
    name: str,
    title: str = "",
    organisation: str = "",
    explanation: str = "",
) -> Attendance:
    """The secretariat adds a person who has no account (a deputy sent by an absent member)
    and records the member represented by them, as `attendance_record` does, with the
    person's title and organisation for the minutes.

    The new person gets no password: nobody can sign in as them until an administrator gives
    them one. The full name is split at its last word, so "Trần Quang Minh" reads back whole
    and lists sort by the given name, as the demo's people do."""
    require(
        permissions.can_manage_meeting(actor, attendance.meeting),
        _("Only the secretariat records attendance."),
    )
    for field, value in (("name", name), ("title", title), ("organisation", organisation)):
        require_one_line(value.strip(), field=field)
        if len(value.strip()) > SUBSTITUTE_FIELD_LENGTH:
            raise ServiceError(_("At most %d characters.") % SUBSTITUTE_FIELD_LENGTH, field=field)
    name, title, organisation = " ".join(name.split()), title.strip(), organisation.strip()
    if not name:
        raise ServiceError(_("Give the substitute's full name."), field="name")
    family_and_middle, _space, given = name.rpartition(" ")
    with transaction.atomic():
        person = User(
            username=f"substitute-{uuid.uuid4().hex[:12]}",
            first_name=family_and_middle,
            last_name=given,
        )
        person.set_unusable_password()
        person.save()
        attendance = attendance_record(
            actor=actor,
            attendance=attendance,
            status=Attendance.Status.REPRESENTED,
            substitute=person,
            substitute_title=title,
            substitute_organisation=organisation,
            explanation=explanation,
        )
    return attendance


SUBSTITUTE_FIELD_LENGTH = 150  # Django's longest first or last name


def _own_attendance_locked(actor: User, meeting: Meeting) -> Attendance:
    """Lock the actor's attendance row (their own before one they substitute in) so that a
    double tap or a secretariat change at the same moment apply one after the other, and read
    the meeting's status under that lock into `meeting`, so that a meeting closed meanwhile
    closes check-in.

    In SQL because checking in and out are the busiest writes of a session (every tablet at
    its start) and composing this query through the ORM took longer than running it.
    """
    sql = (
        "SELECT a.*, m.status AS meeting_status"
        " FROM meetings_attendance a JOIN meetings_meeting m ON m.id = a.meeting_id"
        " WHERE a.meeting_id = %s AND (a.user_id = %s OR a.substitute_id = %s)"
        " ORDER BY a.user_id = %s DESC LIMIT 1"
    )
    if connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF a"  # SQLite, in the demo, has no row locks: one writer at a time
    rows = Attendance.objects.raw(sql, [meeting.pk, actor.pk, actor.pk, actor.pk])
    attendance = next(iter(rows), None)
    if attendance is None:
        raise ServiceError(_("You are not invited to this meeting."))
    meeting.status = attendance.meeting_status  # type: ignore[attr-defined]
    attendance.meeting = meeting
    return attendance


def _save_presence(attendance: Attendance) -> None:
    """Write what checking in and out change; in SQL, as `_own_attendance_locked` reads."""
    attendance.updated_at = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE meetings_attendance SET status = %s, reason = %s, checked_in_at = %s,"
            " checked_out_at = %s, substitute_checked_in_at = %s, remote = %s, updated_at = %s"
            " WHERE id = %s",
            [
                attendance.status,
                attendance.reason,
                adapt(attendance.checked_in_at),
                adapt(attendance.checked_out_at),
                adapt(attendance.substitute_checked_in_at),
                attendance.remote,
                adapt(attendance.updated_at),
                attendance.pk,
            ],
        )


def _require_check_in_open(meeting: Meeting) -> None:
    if meeting.status == Meeting.Status.IN_SESSION:
        return
    if meeting.status == Meeting.Status.SCHEDULED:
        opens_at = meeting.starts_at - datetime.timedelta(hours=settings.CHECK_IN_OPENS_HOURS)
        if timezone.now() >= opens_at:
            return
        raise ServiceError(_("Check-in opens at %s.") % dates.moment(opens_at))
    raise ServiceError(
        _("Check-in is closed: the meeting is %s.") % meeting.get_status_display().lower()
    )


# Room displays


def display_create(*, actor: User, meeting: Meeting, label: str = "") -> tuple[DisplayToken, str]:
    """A room display for the meeting (its secretariat), and its token: returned here only;
    only its digest is kept, so a lost link means a new display."""
    require(
        permissions.can_manage_meeting(actor, meeting),
        _("Only the meeting's secretariat sets up its room displays."),
    )
    if not meeting.is_live:
        raise ServiceError(_("A display can follow a scheduled or running meeting only."))
    label = label.strip()
    require_one_line(label, field="label")
    token, digest = displays.new_token()
    display = DisplayToken.objects.create(
        meeting=meeting, label=label, token_hash=digest, created_by=actor
    )
    return display, token


def display_revoke(*, actor: User, display: DisplayToken) -> DisplayToken:
    """Revoke a room display (the meeting's secretariat): its page and socket stop at once, on
    every server process. Revoking it again changes nothing."""
    require(
        permissions.can_manage_meeting(actor, display.meeting),
        _("Only the meeting's secretariat revokes its room displays."),
    )
    if display.revoked_at is None:
        with transaction.atomic():
            display.revoked_at = timezone.now()
            display.save(update_fields=["revoked_at"])
            events.recheck_access(
                meeting_ids=[display.meeting_id], user_ids=[], display_ids=[display.pk]
            )
    return display
