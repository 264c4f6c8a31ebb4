"""Action items (the tasks a meeting gives out) and their follow-up: each service for the
people who may use it and those who may not, the overdue list, putting a task on a later
agenda once, the API with the same 404 for the unseen and the missing, and the PDF's list."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agendas.models import AgendaItem
from core.errors import ServiceError
from meetings.models import Meeting
from minutes import layout, selectors
from minutes.models import ActionItem, ActionNote
from minutes.services import actions as action_services
from realtime.models import MeetingEvent
from tests.conftest import Personas, plan_meeting
from tests.minutes.conftest import Held, approved
from tests.minutes.test_pdf import document, text_of

A = ActionItem.Status
NOT_FOUND = {"detail": "Not found."}


def api(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def last_event(meeting: Meeting) -> MeetingEvent:
    event = MeetingEvent.objects.filter(meeting=meeting).order_by("seq").last()
    assert event is not None
    return event


def due(meeting: Meeting, days: int = 14) -> datetime.date:
    return timezone.localtime(meeting.starts_at).date() + datetime.timedelta(days=days)


def make_overdue(action: ActionItem, days: int = 3) -> None:
    # The meeting lies ahead in these fixtures: move the due date into the past directly, as
    # time would.
    ActionItem.objects.filter(pk=action.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=days)
    )


@pytest.fixture
def task(government: Personas, meeting: Meeting) -> ActionItem:
    """A task for the Minister of Finance (a member), due in two weeks."""
    return action_services.action_create(
        actor=government.secretary,
        meeting=meeting,
        text="Hoàn thiện dự thảo Nghị định",
        due_on=due(meeting),
        assignee_user=government.members[0],
    )


@pytest.fixture
def later(government: Personas) -> Meeting:
    return plan_meeting(
        government, starts_in=datetime.timedelta(days=30), title="Next Government meeting"
    )


# Services


def test_the_secretariat_records_a_task_for_a_member_or_a_ministry(
    government: Personas, meeting: Meeting, task: ActionItem
) -> None:
    assert task.status == A.OPEN and task.assignee_user == government.members[0]
    event = last_event(meeting)
    assert event.type == "minutes.action_created"
    assert event.payload == {"action": task.pk, "status": "open"}
    ministry = action_services.action_create(
        actor=government.secretary,
        meeting=meeting,
        text="  Báo cáo tình hình giải ngân  ",
        due_on=due(meeting, 0),
        assignee_organisation="Bộ Kế hoạch và Đầu tư",
    )
    assert ministry.text == "Báo cáo tình hình giải ngân"
    assert ministry.assignee_name == "Bộ Kế hoạch và Đầu tư"


@pytest.mark.parametrize("who", ["chair", "member", "outsider"])
def test_only_the_secretariat_records_and_edits_tasks(
    government: Personas, meeting: Meeting, task: ActionItem, outsider: User, who: str
) -> None:
    actor = {"chair": government.chair, "member": government.members[0], "outsider": outsider}[who]
    with pytest.raises(PermissionDenied):
        action_services.action_create(
            actor=actor,
            meeting=meeting,
            text="x",
            due_on=due(meeting),
            assignee_organisation="Bộ Tài chính",
        )
    with pytest.raises(PermissionDenied):
        action_services.action_edit(
            actor=actor, action=task, text="y", due_on=due(meeting), assignee_organisation="Bộ"
        )
    with pytest.raises(PermissionDenied):
        action_services.action_cancel(actor=actor, action=task)
    assert ActionItem.objects.count() == 1
    task.refresh_from_db()
    assert task.text == "Hoàn thiện dự thảo Nghị định" and task.status == A.OPEN


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"text": "  "}, "text", "Write the task."),
        ({"text": "x" * 2001}, "text", "The task is too long: at most 2000 characters."),
        ({"due_days": -1}, "due_on", "The due date cannot be before the meeting."),
        (
            {"assignee_organisation": "Bộ Tài chính"},
            "assignee_user",
            "Assign the task either to a member or to an organisation, not both.",
        ),
        ({"assignee": None}, "assignee_user", "Assign the task either to a member"),
        (
            {"outsider": True},
            "assignee_user",
            "The task can only be assigned to a member of Government.",
        ),
        (
            {"assignee": None, "assignee_organisation": "B" * 201},
            "assignee_organisation",
            "The organisation's name is too long: at most 200 characters.",
        ),
    ],
)
def test_bad_tasks_are_refused_with_a_reason_and_nothing_written(
    government: Personas,
    meeting: Meeting,
    outsider: User,
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    values: dict[str, Any] = {
        "text": changes.get("text", "Báo cáo"),
        "due_on": due(meeting, changes.get("due_days", 7)),
        "assignee_user": outsider
        if changes.get("outsider")
        else changes.get("assignee", government.members[1]),
        "assignee_organisation": changes.get("assignee_organisation", ""),
    }
    with pytest.raises(ServiceError) as refused:
        action_services.action_create(actor=government.secretary, meeting=meeting, **values)
    assert refused.value.field == field
    assert refused.value.message.startswith(message)
    assert not ActionItem.objects.exists()


def test_the_secretariat_edits_and_cancels_an_open_task(
    government: Personas, meeting: Meeting, task: ActionItem
) -> None:
    edited = action_services.action_edit(
        actor=government.secretary,
        action=task,
        text="Hoàn thiện và trình dự thảo",
        due_on=due(meeting, 21),
        assignee_organisation="Bộ Tư pháp",
    )
    assert edited.assignee_user is None and edited.assignee_organisation == "Bộ Tư pháp"
    assert last_event(meeting).type == "minutes.action_edited"
    cancelled = action_services.action_cancel(
        actor=government.secretary, action=task, reason="Đã có nghị quyết khác"
    )
    assert cancelled.status == A.CANCELLED
    assert last_event(meeting).type == "minutes.action_cancelled"
    assert list(ActionNote.objects.values_list("status", "text")) == [
        ("cancelled", "Đã có nghị quyết khác")
    ]
    with pytest.raises(ServiceError, match="no longer changes"):
        action_services.action_edit(
            actor=government.secretary,
            action=task,
            text="z",
            due_on=due(meeting),
            assignee_organisation="B",
        )


def test_the_assignee_reports_progress_and_done(
    government: Personas, meeting: Meeting, task: ActionItem
) -> None:
    minister = government.members[0]
    action_services.action_note_add(
        actor=minister, action=task, text="Đang lấy ý kiến", status="in_progress"
    )
    task.refresh_from_db()
    assert task.status == A.IN_PROGRESS and task.done_at is None
    assert last_event(meeting).type == "minutes.action_noted"
    action_services.action_note_add(actor=minister, action=task, text="Đã trình", status="done")
    task.refresh_from_db()
    assert task.status == A.DONE and task.done_at is not None
    assert list(task.notes.values_list("author", "status")) == [
        (minister.pk, "in_progress"),
        (minister.pk, "done"),
    ]
    # Closed: the assignee may no longer write; the secretariat may reopen it.
    with pytest.raises(ServiceError, match="ask the secretariat"):
        action_services.action_note_add(actor=minister, action=task, text="Bổ sung")
    action_services.action_note_add(
        actor=government.secretary, action=task, text="Chưa đạt", status="open"
    )
    task.refresh_from_db()
    assert task.status == A.OPEN and task.done_at is None


def test_the_assignee_may_not_reopen_or_cancel_and_others_may_not_write(
    government: Personas, meeting: Meeting, task: ActionItem, outsider: User
) -> None:
    with pytest.raises(ServiceError, match="This status cannot be set here."):
        action_services.action_note_add(
            actor=government.members[0], action=task, status="cancelled"
        )
    for other in (government.members[1], government.chair, outsider):
        with pytest.raises(PermissionDenied):
            action_services.action_note_add(actor=other, action=task, text="Tôi xem rồi")
    with pytest.raises(ServiceError, match="Write a note or change the status."):
        action_services.action_note_add(actor=government.members[0], action=task, text=" ")
    assert not ActionNote.objects.exists()


# Overdue and follow-up on a later agenda


def test_the_overdue_list_holds_open_tasks_past_due(
    government: Personas, meeting: Meeting, task: ActionItem, django_assert_num_queries: Any
) -> None:
    done = action_services.action_create(
        actor=government.secretary,
        meeting=meeting,
        text="Xong rồi",
        due_on=due(meeting),
        assignee_organisation="Bộ Y tế",
    )
    action_services.action_note_add(actor=government.secretary, action=done, status="done")
    not_yet = action_services.action_create(
        actor=government.secretary,
        meeting=meeting,
        text="Chưa đến hạn",
        due_on=due(meeting, 60),
        assignee_organisation="Bộ Y tế",
    )
    make_overdue(task)
    make_overdue(done)
    with django_assert_num_queries(1):
        overdue = selectors.action_list_overdue(government.body)
    assert [a.pk for a in overdue] == [task.pk]
    assert not_yet.pk not in [a.pk for a in overdue]
    assert [a.pk for a in selectors.action_list_for_assignee(government.members[0])] == [task.pk]


def test_a_task_is_put_on_a_later_agenda_once(
    government: Personas, meeting: Meeting, task: ActionItem, later: Meeting
) -> None:
    item = action_services.action_offer_to_agenda(
        actor=government.secretary, action=task, meeting=later
    )
    assert item.meeting == later
    assert item.title == "Follow-up: Hoàn thiện dự thảo Nghị định"
    task.refresh_from_db()
    assert task.followed_up_in == item
    assert last_event(meeting).type == "minutes.action_offered"
    with pytest.raises(ServiceError, match="already on an agenda"):
        action_services.action_offer_to_agenda(
            actor=government.secretary, action=task, meeting=later
        )
    assert AgendaItem.objects.filter(meeting=later).count() == 1


def test_a_task_is_not_offered_to_an_earlier_or_closed_meeting_or_by_others(
    government: Personas, meeting: Meeting, task: ActionItem, later: Meeting, committee: Personas
) -> None:
    earlier = plan_meeting(government, starts_in=datetime.timedelta(minutes=30))
    Meeting.objects.filter(pk=later.pk).update(status=Meeting.Status.CLOSED)
    later.refresh_from_db()
    elsewhere = plan_meeting(committee, starts_in=datetime.timedelta(days=10))
    for target, message in (
        (earlier, "Choose a later meeting"),
        (later, "Choose a later meeting"),
        (elsewhere, "Only the secretariat"),
    ):
        with pytest.raises((ServiceError, PermissionDenied), match=message):
            action_services.action_offer_to_agenda(
                actor=government.secretary, action=task, meeting=target
            )
    with pytest.raises(PermissionDenied):
        action_services.action_offer_to_agenda(
            actor=government.members[0], action=task, meeting=later
        )
    task.refresh_from_db()
    assert task.followed_up_in is None
    assert not AgendaItem.objects.filter(meeting__in=[earlier, later, elsewhere]).exists()


# The API


def test_the_api_round_trip(government: Personas, meeting: Meeting, later: Meeting) -> None:
    secretary = api(government.secretary)
    created = secretary.post(
        reverse("minutes_api:actions", args=[meeting.pk]),
        {
            "text": "Rà soát quy trình",
            "due_on": str(due(meeting)),
            "assignee_user": government.members[0].pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    action_id = created.json()["id"]
    assert created.json()["assignee"] == government.members[0].get_full_name()
    listed = secretary.get(reverse("minutes_api:actions", args=[meeting.pk]))
    assert [row["id"] for row in listed.json()] == [action_id]
    edited = secretary.put(
        reverse("minutes_api:action", args=[action_id]),
        {"text": "Rà soát", "due_on": str(due(meeting, 3)), "assignee_organisation": "Bộ Nội vụ"},
        format="json",
    )
    assert edited.status_code == 200 and edited.json()["assignee"] == "Bộ Nội vụ"
    noted = secretary.post(
        reverse("minutes_api:action-notes", args=[action_id]),
        {"text": "Nhắc lần 1", "status": "in_progress"},
        format="json",
    )
    assert noted.status_code == 201
    assert noted.json()["status"] == "in_progress"
    assert [n["text"] for n in noted.json()["notes"]] == ["Nhắc lần 1"]
    make_overdue(ActionItem.objects.get(pk=action_id))
    overdue = secretary.get(reverse("minutes_api:actions-overdue", args=[government.body.pk]))
    assert [row["id"] for row in overdue.json()] == [action_id]
    offer = reverse("minutes_api:action-offer", args=[action_id])
    offered = secretary.post(offer, {"meeting": later.pk}, format="json")
    assert offered.status_code == 201 and offered.json()["followed_up_in"] is not None
    again = secretary.post(offer, {"meeting": later.pk}, format="json")
    assert again.status_code == 400
    assert again.json()["detail"] == "This task is already on an agenda."
    assert AgendaItem.objects.filter(meeting=later).count() == 1


def test_the_assignee_sees_and_reports_on_their_task_through_the_api(
    government: Personas, task: ActionItem
) -> None:
    minister = api(government.members[0])
    assert minister.get(reverse("minutes_api:action", args=[task.pk])).status_code == 200
    done = minister.post(
        reverse("minutes_api:action-notes", args=[task.pk]), {"status": "done"}, format="json"
    )
    assert done.status_code == 201 and done.json()["status"] == "done"
    refused = minister.put(
        reverse("minutes_api:action", args=[task.pk]),
        {"text": "x", "due_on": str(task.due_on), "assignee_organisation": "B"},
        format="json",
    )
    assert refused.status_code == 403


@pytest.mark.parametrize("who", ["member", "outsider", "anonymous"])
def test_the_api_hides_tasks_from_others_like_missing_ones(
    government: Personas, meeting: Meeting, task: ActionItem, outsider: User, who: str
) -> None:
    user = {"member": government.members[1], "outsider": outsider, "anonymous": None}[who]
    client = api(user)
    missing = 10**9
    expected = 404 if user is not None else 403
    for name, args in (
        ("minutes_api:action", [task.pk]),
        ("minutes_api:action", [missing]),
        ("minutes_api:actions", [meeting.pk]),
        ("minutes_api:actions-overdue", [government.body.pk]),
    ):
        response = client.get(reverse(name, args=args))
        assert response.status_code == expected, (name, args)
        if user is not None:
            assert response.json() == NOT_FOUND
    for name in ("minutes_api:action-notes", "minutes_api:action-offer"):
        response = client.post(reverse(name, args=[task.pk]), {"text": "x"}, format="json")
        assert response.status_code == expected
    assert not ActionNote.objects.exists()


def test_bad_input_through_the_api_is_explained(
    government: Personas, meeting: Meeting, task: ActionItem
) -> None:
    secretary = api(government.secretary)
    url = reverse("minutes_api:actions", args=[meeting.pk])
    for data, field, message in (
        ({"text": "x"}, "due_on", "This field is required."),
        (
            {"text": "x", "due_on": str(due(meeting)), "assignee_user": 10**9},
            "field",
            "assignee_user",
        ),
        ({"text": "x", "due_on": str(due(meeting)), "colour": "red"}, "colour", "not accepted"),
    ):
        response = secretary.post(url, data, format="json")
        assert response.status_code == 400
        assert message in str(response.json()[field])
    offer = secretary.post(
        reverse("minutes_api:action-offer", args=[task.pk]), {"meeting": 10**9}, format="json"
    )
    assert offer.status_code == 400 and offer.json()["field"] == "meeting"
    assert ActionItem.objects.count() == 1


# The minutes


def test_the_pdf_lists_the_conclusions_and_tasks(tmp_path: Path) -> None:
    record = {
        **document().record,
        "actions": [
            {
                "text": "Hoàn thiện dự thảo Nghị định",
                "assignee": "Bộ Tư pháp",
                "due_on": "2026-03-01",
            }
        ],
    }
    text = text_of(layout.render(document(record=record)).pdf, tmp_path)
    for expected in ("Hoàn thiện dự thảo Nghị định", "Bộ Tư pháp", "01/03/2026"):
        assert expected in text


def test_the_document_takes_the_meetings_tasks(
    government: Personas, meeting: Meeting, task: ActionItem
) -> None:
    rows = selectors.action_record(meeting)
    assert rows == [
        {
            "text": "Hoàn thiện dự thảo Nghị định",
            "assignee": selectors.person(government.members[0]),
            "due_on": task.due_on.isoformat(),
        }
    ]


# The screens


def test_the_secretariat_records_and_follows_up_tasks_on_the_screens(
    government: Personas, meeting: Meeting, later: Meeting
) -> None:
    client = api(government.secretary)
    page = client.get(reverse("minutes:minutes", args=[meeting.pk]))
    assert page.status_code == 200
    assert "Record a task" in page.content.decode()
    bad = client.post(
        reverse("minutes:action_create", args=[meeting.pk]),
        {"text": "Báo cáo", "due_on": str(due(meeting)), "assignee_organisation": ""},
    )
    assert bad.status_code == 400
    assert "Assign the task either to a member or to an organisation" in bad.content.decode()
    assert not ActionItem.objects.exists()
    created = client.post(
        reverse("minutes:action_create", args=[meeting.pk]),
        {"text": "Báo cáo", "due_on": str(due(meeting)), "assignee_user": government.members[0].pk},
    )
    assert created.status_code == 302
    action = ActionItem.objects.get()
    assert "Báo cáo" in client.get(reverse("minutes:minutes", args=[meeting.pk])).content.decode()
    make_overdue(action)
    overdue = client.get(reverse("minutes:actions_overdue", args=[government.body.pk]))
    assert overdue.status_code == 200 and later.title in overdue.content.decode()
    offered = client.post(
        reverse("minutes:action_change", args=[action.pk, "offer"]), {"meeting": later.pk}
    )
    assert offered.status_code == 302
    again = client.post(
        reverse("minutes:action_change", args=[action.pk, "offer"]), {"meeting": later.pk}
    )
    assert again.status_code == 400
    assert "This task is already on an agenda." in again.content.decode()
    assert AgendaItem.objects.filter(meeting=later).count() == 1


@pytest.mark.parametrize("target", ["", "abc", "²", str(2**70), "999999"])
def test_offering_a_task_to_no_such_meeting_is_refused(
    government: Personas, task: ActionItem, target: str
) -> None:
    client = api(government.secretary)
    refused = client.post(
        reverse("minutes:action_change", args=[task.pk, "offer"]), {"meeting": target}
    )
    assert refused.status_code == 400
    assert "Choose a later meeting" in refused.content.decode()
    task.refresh_from_db()
    assert task.followed_up_in_id is None


def test_the_assignee_sees_my_tasks_and_marks_one_done(
    government: Personas, task: ActionItem
) -> None:
    client = api(government.members[0])
    listed = client.get(reverse("minutes:my_tasks"))
    assert listed.status_code == 200 and task.text in listed.content.decode()
    done = client.post(
        reverse("minutes:action_change", args=[task.pk, "note"]), {"text": "Xong", "status": "done"}
    )
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.status == A.DONE
    assert task.text not in client.get(reverse("minutes:my_tasks")).content.decode()
    refused = client.post(
        reverse("minutes:action_change", args=[task.pk, "edit"]),
        {"text": "x", "due_on": str(task.due_on), "assignee_organisation": "B"},
    )
    assert refused.status_code == 403


@pytest.mark.parametrize("who", ["member", "outsider", "anonymous"])
def test_the_screens_hide_tasks_from_others_like_missing_ones(
    government: Personas, meeting: Meeting, task: ActionItem, outsider: User, who: str
) -> None:
    user = {"member": government.members[1], "outsider": outsider, "anonymous": None}[who]
    client = api(user)
    for url in (
        reverse("minutes:action", args=[task.pk]),
        reverse("minutes:action", args=[10**9]),
        reverse("minutes:actions_overdue", args=[government.body.pk]),
    ):
        response = client.get(url)
        if user is None:
            assert response.status_code == 302 and "login" in response["Location"]
        else:
            assert response.status_code == 404
    response = client.post(
        reverse("minutes:action_change", args=[task.pk, "note"]), {"text": "x", "status": "done"}
    )
    assert response.status_code == (302 if user is None else 404)
    task.refresh_from_db()
    assert task.status == A.OPEN and not ActionNote.objects.exists()


def test_approved_minutes_list_the_tasks_recorded_after_the_draft(
    government: Personas, held: Held, tmp_path: Path
) -> None:
    action_services.action_create(
        actor=government.secretary,
        meeting=held.meeting,
        text="Bộ Tư pháp thẩm định dự thảo",
        due_on=due(held.meeting, 10),
        assignee_organisation="Bộ Tư pháp",
    )
    minutes = approved(government, held)
    text = text_of(bytes(minutes.pdf or b""), tmp_path)
    for expected in ("Bộ Tư pháp thẩm định dự thảo", due(held.meeting, 10).strftime("%d/%m/%Y")):
        assert expected in text


def test_the_task_form_offers_the_meetings_agenda_items_and_refuses_another(
    government: Personas, meeting: Meeting, later: Meeting
) -> None:
    from agendas import services as agenda_services

    item = agenda_services.agenda_item_create(
        actor=government.secretary, meeting=meeting, title="Dự thảo Nghị định"
    )
    foreign = agenda_services.agenda_item_create(
        actor=government.secretary, meeting=later, title="Another meeting's item"
    )
    client = api(government.secretary)
    page = client.get(reverse("minutes:minutes", args=[meeting.pk])).content.decode()
    assert f'<option value="{item.pk}">1. Dự thảo Nghị định</option>' in page
    assert "Another meeting&#x27;s item" not in page
    url = reverse("minutes:action_create", args=[meeting.pk])
    values = {"text": "Báo cáo", "due_on": str(due(meeting)), "assignee_organisation": "Bộ Tư pháp"}
    refused = client.post(url, {**values, "item": foreign.pk})
    assert refused.status_code == 400
    assert "The agenda item is not one of this meeting&#x27;s." in refused.content.decode()
    assert not ActionItem.objects.exists()
    created = client.post(url, {**values, "item": item.pk})
    assert created.status_code == 302
    action = ActionItem.objects.get()
    assert action.item == item
    shown = client.get(reverse("minutes:action", args=[action.pk])).content.decode()
    assert "Dự thảo Nghị định" in shown
    assert f'<option value="{item.pk}" selected>' in shown
    moved = client.post(
        reverse("minutes:action_change", args=[action.pk, "edit"]),
        {**values, "item": foreign.pk},
    )
    assert moved.status_code == 400
    action.refresh_from_db()
    assert action.item == item
    cleared = client.post(reverse("minutes:action_change", args=[action.pk, "edit"]), values)
    assert cleared.status_code == 302
    action.refresh_from_db()
    assert action.item is None
