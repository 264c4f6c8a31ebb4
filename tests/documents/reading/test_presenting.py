"""Follow the presenter: the chair (or whoever has the floor) shows the room a page of a paper;
only those who may read the paper learn which paper and page, in their own region."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from agendas import services as agenda_services
from core.errors import ServiceError
from documents import services
from documents.models import Presentation
from documents.regions import readers_of
from meetings import services as meeting_services
from realtime import regions
from realtime.models import MeetingEvent
from tests.conftest import Personas, check_in
from tests.documents.reading.conftest import Papers


@pytest.fixture
def session(government: Personas, packet: Papers) -> Papers:
    check_in(packet.meeting, government.voters[:20])
    meeting_services.meeting_start(actor=government.chair, meeting=packet.meeting)
    packet.meeting.refresh_from_db()
    return packet


def hidden_from(government: Personas, papers: Papers) -> None:
    """The last member may not read the draft decree."""
    services.document_revoke(
        actor=government.secretary,
        document=papers.decree_draft,
        rights=["view"],
        user=government.members[-1],
    )


def test_the_chair_shows_a_page_to_its_readers_alone(government: Personas, session: Papers) -> None:
    hidden_from(government, session)
    draft = session.decree_draft
    services.presentation_show(actor=government.chair, document=draft, page=3)

    shown = Presentation.objects.get(meeting=session.meeting)
    assert (shown.document, shown.page, shown.shown_by) == (draft, 3, government.chair)
    event = MeetingEvent.objects.filter(meeting_id=session.meeting.pk).last()
    assert event is not None and event.type == "documents.page_shown"
    # The log tells nobody which paper: it may be one they may not read.
    assert event.payload == {} and event.restricted_to == "" and event.users == []

    reader, kept_out = government.members[0], government.members[-1]
    drawn = regions.render_personal(
        session.meeting, "documents.page_shown", [reader.pk, government.secretary.pk]
    )
    assert f'data-document="{draft.pk}" data-page="3"' in drawn[f"{reader.pk}|en"]["presenting"]
    assert f'data-document="{draft.pk}"' in drawn[f"{government.secretary.pk}|en"]["presenting"]
    readers = readers_of(draft)
    assert reader.pk in readers and kept_out.pk not in readers


def test_whoever_has_the_floor_may_show_a_page(government: Personas, session: Papers) -> None:
    member = government.members[0]
    item = session.plan.decree
    agenda_services.agenda_item_start(actor=government.chair, item=item)
    with pytest.raises(PermissionDenied):
        services.presentation_show(actor=member, document=session.decree_draft, page=2)
    speaker = agenda_services.speaker_request(actor=member, item=item)
    agenda_services.floor_give(actor=government.chair, speaker=speaker)
    services.presentation_show(actor=member, document=session.decree_draft, page=2)
    assert Presentation.objects.get(meeting=session.meeting).page == 2


def test_a_member_without_the_floor_may_not_show_a_page(
    government: Personas, session: Papers
) -> None:
    with pytest.raises(PermissionDenied):
        services.presentation_show(
            actor=government.members[0], document=session.decree_draft, page=1
        )
    assert not Presentation.objects.exists()


def test_a_page_the_paper_does_not_have_is_refused(government: Personas, session: Papers) -> None:
    with pytest.raises(ServiceError, match="This paper has no page 5."):
        services.presentation_show(actor=government.chair, document=session.decree_draft, page=5)
    assert not Presentation.objects.exists()


def test_pages_are_shown_during_the_session_only(government: Personas, packet: Papers) -> None:
    with pytest.raises(ServiceError, match="during the session only"):
        services.presentation_show(actor=government.chair, document=packet.decree_draft, page=1)


# The reader page


def reader_page(client: Client, papers: Papers, document_pk: int | None = None) -> str:
    url = reverse("documents:reader", args=[document_pk or papers.budget_report.pk])
    return client.get(url).content.decode()


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_reader_page_tells_readers_what_is_shown_and_no_one_else(
    government: Personas, session: Papers
) -> None:
    hidden_from(government, session)
    draft = session.decree_draft
    services.presentation_show(actor=government.chair, document=draft, page=2)

    seen = reader_page(signed_in(government.members[0]), session)
    assert f'data-document="{draft.pk}" data-page="2"' in seen
    assert "Follow the presenter" in seen and "Show this page to the room" not in seen
    unseen = reader_page(signed_in(government.members[-1]), session)
    assert f'data-document="{draft.pk}"' not in unseen
    assert '<div id="presenting" data-personal hidden></div>' in unseen


def test_the_chair_shows_a_page_from_the_reader(government: Personas, session: Papers) -> None:
    chair = signed_in(government.chair)
    draft = session.decree_draft
    assert "Show this page to the room" in reader_page(chair, session, draft.pk)
    response = chair.post(reverse("documents:present", args=[draft.pk]), {"page": "4"})
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:reader", args=[draft.pk]) + "?page=4"
    assert Presentation.objects.get(meeting=session.meeting).page == 4


def test_a_member_cannot_show_a_page_from_the_reader(government: Personas, session: Papers) -> None:
    member = signed_in(government.members[0])
    draft = session.decree_draft
    response = member.post(reverse("documents:present", args=[draft.pk]), {"page": "1"})
    assert response.status_code == 403
    assert "Only the chair, a vice-chair or the person who has the floor" in (
        response.content.decode()
    )
    assert not Presentation.objects.exists()


def test_a_paper_one_may_not_read_is_missing(government: Personas, session: Papers) -> None:
    hidden_from(government, session)
    response = signed_in(government.members[-1]).post(
        reverse("documents:present", args=[session.decree_draft.pk]), {"page": "1"}
    )
    assert response.status_code == 404


def test_a_page_that_is_not_a_number_is_refused(government: Personas, session: Papers) -> None:
    response = signed_in(government.chair).post(
        reverse("documents:present", args=[session.decree_draft.pk]), {"page": "two"}
    )
    assert response.status_code == 400
    assert "Choose the page to show." in response.content.decode()


# The API


def test_the_api_shows_a_page_and_refuses_others(government: Personas, session: Papers) -> None:
    draft = session.decree_draft
    url = reverse("documents_api:present", args=[session.meeting.pk, draft.pk])
    chair, member = APIClient(), APIClient()
    chair.force_login(government.chair)
    member.force_login(government.members[0])

    assert member.post(url, {"page": 1}, format="json").status_code == 403
    assert chair.post(url, {"page": 0}, format="json").status_code == 400
    assert chair.post(url, {"page": 9}, format="json").json() == {
        "detail": "This paper has no page 9.",
        "field": "page",
    }
    shown = chair.post(url, {"page": 2}, format="json")
    assert shown.status_code == 200
    assert shown.json()["document"] == draft.pk and shown.json()["page"] == 2
