"""Meeting lifecycle: draft -> scheduled -> in session -> adjourned -> closed, and cancelled."""

import datetime
import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from core.errors import ServiceError
from meetings import services
from meetings.models import Meeting
from tests.conftest import Personas, check_in, plan_meeting

S = Meeting.Status


def bring_to(meeting: Meeting, status: str, gov: Personas) -> Meeting:
    """Walk a draft meeting to `status` through the services, as its users would; from
    scheduled on, a quorum has checked in."""
    if status == S.DRAFT:
        return meeting
    if status == S.CANCELLED:
        return services.meeting_cancel(actor=gov.secretary, meeting=meeting, reason="Postponed")
    meeting = services.meeting_schedule(actor=gov.secretary, meeting=meeting)
    check_in(meeting, gov.voters[:18])
    if status == S.SCHEDULED:
        return meeting
    meeting = services.meeting_start(actor=gov.chair, meeting=meeting)
    if status == S.IN_SESSION:
        return meeting
    meeting = services.meeting_adjourn(actor=gov.chair, meeting=meeting)
    if status == S.ADJOURNED:
        return meeting
    return services.meeting_close(actor=gov.secretary, meeting=meeting)


def actions(gov: Personas) -> dict[str, Callable[[Meeting], Meeting]]:
    """Each lifecycle action, done by the person whose job it is."""
    return {
        "schedule": lambda m: services.meeting_schedule(actor=gov.secretary, meeting=m),
        "cancel": lambda m: services.meeting_cancel(actor=gov.secretary, meeting=m),
        "start": lambda m: services.meeting_start(actor=gov.chair, meeting=m),
        "adjourn": lambda m: services.meeting_adjourn(actor=gov.chair, meeting=m),
        "reconvene": lambda m: services.meeting_reconvene(actor=gov.chair, meeting=m),
        "close": lambda m: services.meeting_close(actor=gov.secretary, meeting=m),
    }


ALLOWED = {
    ("schedule", S.DRAFT): S.SCHEDULED,
    ("cancel", S.DRAFT): S.CANCELLED,
    ("cancel", S.SCHEDULED): S.CANCELLED,
    ("start", S.SCHEDULED): S.IN_SESSION,
    ("adjourn", S.IN_SESSION): S.ADJOURNED,
    ("reconvene", S.ADJOURNED): S.IN_SESSION,
    ("close", S.ADJOURNED): S.CLOSED,
}
ALL_CASES = [
    (action, status)
    for action in ("schedule", "cancel", "start", "adjourn", "reconvene", "close")
    for status in S.values
]


@pytest.mark.parametrize(("action", "status"), [c for c in ALL_CASES if c in ALLOWED])
def test_allowed_transition(
    government: Personas, draft_meeting: Meeting, action: str, status: str
) -> None:
    meeting = bring_to(draft_meeting, status, government)
    actions(government)[action](meeting)
    assert Meeting.objects.get(pk=meeting.pk).status == ALLOWED[(action, status)]


@pytest.mark.parametrize(("action", "status"), [c for c in ALL_CASES if c not in ALLOWED])
def test_refused_transition_says_why_and_changes_nothing(
    government: Personas, draft_meeting: Meeting, action: str, status: str
) -> None:
    meeting = bring_to(draft_meeting, status, government)
    with pytest.raises(ServiceError) as refused:
        actions(government)[action](meeting)
    assert f"This meeting is {Meeting.Status(status).label.lower()}." in refused.value.message
    assert Meeting.objects.get(pk=meeting.pk).status == status


@pytest.mark.parametrize(
    ("action", "who"),
    [
        ("schedule", "chair"),
        ("schedule", "member"),
        ("cancel", "member"),
        ("start", "secretary"),
        ("start", "member"),
        ("adjourn", "member"),
        ("reconvene", "member"),
        ("close", "chair"),
        ("close", "member"),
    ],
)
def test_wrong_role_is_refused(
    government: Personas, draft_meeting: Meeting, action: str, who: str
) -> None:
    source = next(status for (a, status) in ALLOWED if a == action)
    meeting = bring_to(draft_meeting, source, government)
    actor = {"chair": government.chair, "member": government.members[0]}.get(
        who, government.secretary
    )
    call = {
        "schedule": services.meeting_schedule,
        "cancel": services.meeting_cancel,
        "start": services.meeting_start,
        "adjourn": services.meeting_adjourn,
        "reconvene": services.meeting_reconvene,
        "close": services.meeting_close,
    }[action]
    with pytest.raises(PermissionDenied):
        call(actor=actor, meeting=meeting)
    assert Meeting.objects.get(pk=meeting.pk).status == source


def test_vice_chair_may_open_the_session(government: Personas, meeting: Meeting) -> None:
    check_in(meeting, government.voters[:18])
    services.meeting_start(actor=government.vice_chairs[0], meeting=meeting)
    assert Meeting.objects.get(pk=meeting.pk).status == S.IN_SESSION


def test_the_session_does_not_open_without_quorum(government: Personas, meeting: Meeting) -> None:
    check_in(meeting, government.voters[:17])
    with pytest.raises(ServiceError) as refused:
        services.meeting_start(actor=government.chair, meeting=meeting)
    assert "17 of 27 members present" in refused.value.message
    assert Meeting.objects.get(pk=meeting.pk).status == S.SCHEDULED


def test_reconvening_needs_the_quorum_again(government: Personas, meeting: Meeting) -> None:
    check_in(meeting, government.voters[:18])
    services.meeting_start(actor=government.chair, meeting=meeting)
    services.meeting_adjourn(actor=government.chair, meeting=meeting)
    services.attendance_check_out(actor=government.voters[0], meeting=meeting)
    with pytest.raises(ServiceError):
        services.meeting_reconvene(actor=government.chair, meeting=meeting)
    assert Meeting.objects.get(pk=meeting.pk).status == S.ADJOURNED


def test_a_meeting_whose_time_has_passed_cannot_be_scheduled(government: Personas) -> None:
    past = plan_meeting(government, starts_in=-datetime.timedelta(days=1))
    with pytest.raises(ServiceError, match="already passed"):
        services.meeting_schedule(actor=government.secretary, meeting=past)
    assert not past.attendances.exists()


def test_scheduling_invites_every_current_member(
    government: Personas, draft_meeting: Meeting
) -> None:
    meeting = services.meeting_schedule(actor=government.secretary, meeting=draft_meeting)
    invited = set(meeting.attendances.values_list("user", flat=True))
    assert invited == {u.pk for u in [*government.voters, government.secretary]}
    assert meeting.attendances.filter(has_vote=True).count() == 27


def test_a_started_meeting_cannot_be_edited(government: Personas, meeting: Meeting) -> None:
    check_in(meeting, government.voters[:18])
    services.meeting_start(actor=government.chair, meeting=meeting)
    with pytest.raises(ServiceError, match="not started"):
        services.meeting_update(actor=government.secretary, meeting=meeting, title="New title")
    assert Meeting.objects.get(pk=meeting.pk).title == "Regular Government meeting"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "   "}, "needs a title"),
        ({"ends_at_offset": -1}, "end after it starts"),
        ({"place": "", "online_link": ""}, "room or an online link"),
    ],
)
def test_invalid_meeting_details_are_refused(
    government: Personas, draft_meeting: Meeting, fields: dict[str, object], message: str
) -> None:
    if fields.pop("ends_at_offset", None):
        fields["ends_at"] = draft_meeting.starts_at - datetime.timedelta(minutes=1)
    with pytest.raises(ServiceError, match=message):
        services.meeting_update(actor=government.secretary, meeting=draft_meeting, **fields)
    unchanged = Meeting.objects.get(pk=draft_meeting.pk)
    assert (unchanged.title, unchanged.ends_at, unchanged.place) == (
        draft_meeting.title,
        draft_meeting.ends_at,
        draft_meeting.place,
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_chairs_opening_at_once_open_the_session_once(secretariat: object) -> None:
    from tests.conftest import _build_body

    gov = _build_body(secretariat, name="Government", kind="government", vice_chairs=4, members=22)  # type: ignore[arg-type]
    meeting = services.meeting_schedule(
        actor=gov.secretary,
        meeting=plan_meeting(gov, starts_in=datetime.timedelta(hours=1)),
    )
    check_in(meeting, gov.voters[:18])
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def open_session(chair: object) -> None:
        try:
            barrier.wait()
            services.meeting_start(actor=chair, meeting=meeting)  # type: ignore[arg-type]
            outcomes.append("opened")
        except ServiceError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=open_session, args=(chair,))
        for chair in (gov.chair, gov.vice_chairs[0])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["opened", "refused"]
