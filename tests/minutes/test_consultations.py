"""Written-opinion polls reported in the minutes: the secretariat links a closed poll of the
body to a meeting, and its figures, outcome and the chair's decision go into the draft, the
PDF and the Akoma Ntoso export."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from consultations import services as consultation_services
from consultations.models import Consultation
from core.errors import ServiceError
from meetings.models import Meeting
from minutes import exports
from minutes.models import LinkedConsultation, Minutes, MinutesVersion
from minutes.services import links as link_services
from minutes.services import minutes as minutes_services
from realtime.models import MeetingEvent
from tests.conftest import Personas
from tests.consultations.conftest import answer, in_days
from tests.minutes.conftest import Held, approved, drafted, hold_meeting
from tests.minutes.test_exports import assert_valid_akn
from tests.minutes.test_pdf import text_of

AKN = "{http://docs.oasis-open.org/legaldocml/ns/akn/3.0}"
SUBJECT = "Điều chỉnh dự toán ngân sách năm 2027"


def closed_poll(personas: Personas, *, decide: bool = True) -> Consultation:
    """A poll of the body answered by three members (two agree, one disagrees), closed at its
    deadline, and decided by the chair."""
    poll = consultation_services.consultation_create(
        actor=personas.secretary,
        body=personas.body,
        subject=SUBJECT,
        description="",
        deadline=in_days(3),
        questions=["Thông qua việc điều chỉnh?", "Approve the relief fund?"],
    )
    poll = consultation_services.consultation_send(actor=personas.secretary, consultation=poll)
    voters = personas.voters
    answer(voters[1], poll, "agree", "agree")
    answer(voters[2], poll, "agree", "comment", comment="Cần làm rõ.")
    answer(voters[3], poll, "disagree", "disagree")
    poll = consultation_services.consultation_close(
        actor=None, consultation=poll, now=poll.deadline + datetime.timedelta(minutes=1)
    )
    if decide:
        poll = consultation_services.consultation_decide(
            actor=personas.chair,
            consultation=poll,
            text="Không điều chỉnh dự toán.",
            adopted=False,
        )
    return poll


@pytest.fixture
def poll(government: Personas) -> Consultation:
    return closed_poll(government)


def _section(minutes: Minutes, poll: Consultation) -> dict[str, str]:
    return next(s for s in minutes.sections if s["key"] == f"consultation-{poll.pk}")


# Drafting


def test_a_poll_linked_before_the_meeting_closes_is_in_the_draft(
    government: Personas, meeting: Meeting, poll: Consultation
) -> None:
    link = link_services.consultation_link(
        actor=government.secretary, meeting=meeting, consultation=poll
    )
    assert link.meeting == meeting and link.linked_by == government.secretary
    held = hold_meeting(government, meeting)
    minutes = drafted(held)
    [reported] = minutes.record["consultations"]
    assert reported["subject"] == SUBJECT
    assert reported["members"] == 27
    first, second = reported["questions"]
    assert (first["agree"], first["disagree"], first["comment_only"], first["unanswered"]) == (
        2,
        1,
        0,
        24,
    )
    assert (second["agree"], second["comment_only"], second["unanswered"]) == (1, 1, 24)
    assert first["passed"] is False and "27" in first["explanation"]
    assert reported["decided"] and reported["adopted"] is False
    assert reported["decision"] == "Không điều chỉnh dự toán."
    keys = [section["key"] for section in minutes.sections]
    # After the agenda, before the conclusions.
    assert keys.index(f"consultation-{poll.pk}") == len(keys) - 2
    section = _section(minutes, poll)
    assert section["title"] == f"Written-opinion poll: {SUBJECT}"
    assert "Question 1: Thông qua việc điều chỉnh?" in section["text"]
    assert (
        "Agree 2, disagree 1, comment only 0, not answered 24, of 27 members asked."
        in section["text"]
    )
    assert first["explanation"] in section["text"]
    assert "Không điều chỉnh dự toán. (not adopted)" in section["text"]
    conclusions = minutes.sections[-1]["text"]
    assert f"Written-opinion poll “{SUBJECT}”: not adopted." in conclusions


def test_a_split_decision_is_stated_question_by_question(
    government: Personas, meeting: Meeting
) -> None:
    split = closed_poll(government, decide=False)
    first, second = split.questions.order_by("position")
    consultation_services.consultation_decide(
        actor=government.chair,
        consultation=split,
        text="Thông qua câu 1, không thông qua câu 2.",
        adopted={first.pk: True, second.pk: False},
    )
    link_services.consultation_link(actor=government.secretary, meeting=meeting, consultation=split)
    minutes = drafted(hold_meeting(government, meeting))
    [reported] = minutes.record["consultations"]
    assert [q["adopted"] for q in reported["questions"]] == [True, False]
    outcome = "partly adopted: question 1 adopted, question 2 not adopted"
    assert (
        f"Thông qua câu 1, không thông qua câu 2. ({outcome})" in _section(minutes, split)["text"]
    )
    conclusions = minutes.sections[-1]["text"]
    assert f"Written-opinion poll “{SUBJECT}”: {outcome}." in conclusions


def test_a_poll_awaiting_the_decision_says_so(government: Personas, meeting: Meeting) -> None:
    undecided = closed_poll(government, decide=False)
    link_services.consultation_link(
        actor=government.secretary, meeting=meeting, consultation=undecided
    )
    minutes = drafted(hold_meeting(government, meeting))
    assert "The chair has not recorded the decision yet." in _section(minutes, undecided)["text"]


def test_a_poll_linked_to_the_draft_adds_its_section_as_a_version(
    government: Personas, held: Held, poll: Consultation
) -> None:
    minutes = drafted(held)
    assert minutes.record["consultations"] == []
    link_services.consultation_link(
        actor=government.secretary, meeting=held.meeting, consultation=poll
    )
    minutes.refresh_from_db()
    assert [c["id"] for c in minutes.record["consultations"]] == [poll.pk]
    assert [s["key"] for s in minutes.sections][-2:] == [f"consultation-{poll.pk}", "conclusions"]
    assert minutes.versions.order_by("number").last().event == MinutesVersion.Event.EDITED
    types = list(
        MeetingEvent.objects.filter(meeting=held.meeting)
        .order_by("-seq")
        .values_list("type", flat=True)[:2]
    )
    assert types == ["minutes.consultation_linked", "minutes.minutes_edited"]

    link_services.consultation_unlink(
        actor=government.secretary, link=LinkedConsultation.objects.get(consultation=poll)
    )
    minutes.refresh_from_db()
    assert minutes.record["consultations"] == []
    assert f"consultation-{poll.pk}" not in [s["key"] for s in minutes.sections]


def test_the_returned_minutes_take_a_link_and_are_approved_as_corrected(
    government: Personas, held: Held, poll: Consultation
) -> None:
    minutes = minutes_services.minutes_submit(actor=government.secretary, minutes=drafted(held))
    minutes = minutes_services.minutes_return(
        actor=government.chair, minutes=minutes, remarks="Thêm."
    )
    link_services.consultation_link(
        actor=government.secretary, meeting=held.meeting, consultation=poll
    )
    minutes = minutes_services.minutes_submit(actor=government.secretary, minutes=minutes)
    minutes = minutes_services.minutes_approve(actor=government.chair, minutes=minutes)
    assert minutes.approved_as_corrected


# Refusals


def test_only_the_secretariat_links(government: Personas, held: Held, poll: Consultation) -> None:
    for who in (government.chair, government.members[0]):
        with pytest.raises(PermissionDenied):
            link_services.consultation_link(actor=who, meeting=held.meeting, consultation=poll)
    assert not LinkedConsultation.objects.exists()


def test_only_the_secretariat_unlinks(
    government: Personas, meeting: Meeting, poll: Consultation
) -> None:
    link = link_services.consultation_link(
        actor=government.secretary, meeting=meeting, consultation=poll
    )
    with pytest.raises(PermissionDenied):
        link_services.consultation_unlink(actor=government.chair, link=link)
    assert LinkedConsultation.objects.filter(pk=link.pk).exists()


def test_another_bodys_poll_is_refused(
    government: Personas, committee: Personas, meeting: Meeting
) -> None:
    foreign = closed_poll(committee, decide=False)
    with pytest.raises(ServiceError, match="Choose a written-opinion poll of Government"):
        link_services.consultation_link(
            actor=government.secretary, meeting=meeting, consultation=foreign
        )


def test_a_poll_still_open_is_refused(government: Personas, meeting: Meeting) -> None:
    open_poll = consultation_services.consultation_create(
        actor=government.secretary,
        body=government.body,
        subject="Open",
        description="",
        deadline=in_days(3),
        questions=["Yes?"],
    )
    open_poll = consultation_services.consultation_send(
        actor=government.secretary, consultation=open_poll
    )
    with pytest.raises(ServiceError, match="Only a closed written-opinion poll"):
        link_services.consultation_link(
            actor=government.secretary, meeting=meeting, consultation=open_poll
        )


def test_a_poll_is_reported_once(
    government: Personas, meeting: Meeting, poll: Consultation
) -> None:
    link_services.consultation_link(actor=government.secretary, meeting=meeting, consultation=poll)
    later = services_meeting(government)
    with pytest.raises(ServiceError, match="already reported"):
        link_services.consultation_link(
            actor=government.secretary, meeting=later, consultation=poll
        )


def services_meeting(government: Personas) -> Meeting:
    from tests.conftest import plan_meeting

    return plan_meeting(government, starts_in=datetime.timedelta(days=7), title="Next meeting")


def test_submitted_and_approved_minutes_are_refused(
    government: Personas, held: Held, poll: Consultation
) -> None:
    minutes = minutes_services.minutes_submit(actor=government.secretary, minutes=drafted(held))
    with pytest.raises(ServiceError, match="These minutes are: submitted"):
        link_services.consultation_link(
            actor=government.secretary, meeting=held.meeting, consultation=poll
        )
    minutes_services.minutes_approve(actor=government.chair, minutes=minutes)
    with pytest.raises(ServiceError, match="These minutes are: approved"):
        link_services.consultation_link(
            actor=government.secretary, meeting=held.meeting, consultation=poll
        )
    assert not LinkedConsultation.objects.exists()


# The PDF and the export


def test_the_pdf_prints_the_poll_in_vietnamese(
    government: Personas, meeting: Meeting, poll: Consultation, tmp_path: Path
) -> None:
    link_services.consultation_link(actor=government.secretary, meeting=meeting, consultation=poll)
    minutes = approved(government, hold_meeting(government, meeting))
    text = " ".join(text_of(bytes(minutes.pdf or b""), tmp_path).split())
    assert SUBJECT in text
    assert "Thông qua việc điều chỉnh?" in text
    assert "Không điều chỉnh dự toán." in text
    assert "Members asked: 27." in text


def test_the_akoma_ntoso_export_has_a_section_per_poll(
    government: Personas, meeting: Meeting, poll: Consultation
) -> None:
    link_services.consultation_link(actor=government.secretary, meeting=meeting, consultation=poll)
    minutes = drafted(hold_meeting(government, meeting))
    root = ET.fromstring(exports.minutes_akoma_ntoso(minutes))
    section = root.find(f".//{AKN}debateSection[@eId='dbsect_consultation_{poll.pk}']")
    assert section is not None and section.get("name") == "writtenOpinionPoll"
    assert section.findtext(f"{AKN}heading") == SUBJECT
    paragraphs = [p.text or "" for p in section.findall(f"{AKN}p")]
    assert "Thông qua việc điều chỉnh? (Not adopted)" in paragraphs
    assert (
        "Agree 2, disagree 1, comment only 0, not answered 24, of 27 members asked." in paragraphs
    )
    assert paragraphs[-1].endswith("Không điều chỉnh dự toán. (not adopted).")
    assert_valid_akn(exports.minutes_akoma_ntoso(minutes))


# The screen and the API


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_secretariat_links_on_the_minutes_page(
    government: Personas, held: Held, poll: Consultation
) -> None:
    page = reverse("minutes:minutes", args=[held.meeting.pk])
    response = client_for(government.secretary).get(page)
    assert response.status_code == 200
    assert SUBJECT in response.content.decode()
    url = reverse("minutes:consultation_link", args=[held.meeting.pk])
    response = client_for(government.secretary).post(url, {"consultation": poll.pk})
    assert response.status_code == 302
    assert LinkedConsultation.objects.get().meeting == held.meeting
    unlink = reverse("minutes:consultation_unlink", args=[held.meeting.pk, poll.pk])
    assert client_for(government.secretary).post(unlink).status_code == 302
    assert not LinkedConsultation.objects.exists()


def test_a_member_cannot_link_on_the_screen(
    government: Personas, held: Held, poll: Consultation
) -> None:
    url = reverse("minutes:consultation_link", args=[held.meeting.pk])
    response = client_for(government.members[0]).post(url, {"consultation": poll.pk})
    assert response.status_code == 404
    assert not LinkedConsultation.objects.exists()


def test_a_foreign_poll_is_refused_on_the_screen_with_a_message(
    government: Personas, committee: Personas, held: Held
) -> None:
    foreign = closed_poll(committee, decide=False)
    url = reverse("minutes:consultation_link", args=[held.meeting.pk])
    response = client_for(government.secretary).post(url, {"consultation": foreign.pk})
    assert response.status_code == 400
    assert "Choose a closed written-opinion poll of this body" in response.content.decode()


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _api_url(meeting: Meeting, *rest: Any) -> str:
    if rest:
        return reverse("minutes_api:minutes-consultation", args=[meeting.pk, *rest])
    return reverse("minutes_api:minutes-consultations", args=[meeting.pk])


def test_the_secretariat_links_over_the_api(
    government: Personas, meeting: Meeting, poll: Consultation
) -> None:
    response = api(government.secretary).post(
        _api_url(meeting), {"consultation": poll.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()[0]["consultation"] == poll.pk
    assert response.json()[0]["subject"] == SUBJECT
    listed = api(government.chair).get(_api_url(meeting))
    assert listed.status_code == 200 and len(listed.json()) == 1
    removed = api(government.secretary).delete(_api_url(meeting, poll.pk))
    assert removed.status_code == 200 and removed.json() == []


def test_the_chair_cannot_link_over_the_api_and_outsiders_see_nothing(
    government: Personas, meeting: Meeting, poll: Consultation, outsider: User
) -> None:
    response = api(government.chair).post(
        _api_url(meeting), {"consultation": poll.pk}, format="json"
    )
    assert response.status_code == 403
    response = api(outsider).post(_api_url(meeting), {"consultation": poll.pk}, format="json")
    assert response.status_code == 404
    assert not LinkedConsultation.objects.exists()


def test_the_api_refuses_another_bodys_poll(
    government: Personas, committee: Personas, meeting: Meeting
) -> None:
    foreign = closed_poll(committee, decide=False)
    response = api(government.secretary).post(
        _api_url(meeting), {"consultation": foreign.pk}, format="json"
    )
    assert response.status_code == 400
    assert "Government" in response.content.decode()
