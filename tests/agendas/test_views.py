"""The agenda screens as each persona meets them: the members' session page, an item's page,
the chair's console and the secretariat's editor. Allowed and refused, and what the database
holds afterwards."""

from __future__ import annotations

from html import escape

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from agendas import services
from agendas.models import AgendaItem, Comment, Speaker
from tests.agendas.conftest import AgendaPlan
from tests.conftest import Personas


def url(name: str, *args: object) -> str:
    return reverse(f"agendas:{name}", args=args)


def page(response: HttpResponse) -> str:
    return response.content.decode()


def as_user(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def shown(user: User) -> str:
    return escape(user.get_full_name() or user.username)


# Who sees what


def test_members_see_the_agenda_once_published(
    client: Client, government: Personas, agenda: AgendaPlan
) -> None:
    member = as_user(client, government.members[0])
    meeting = agenda.meeting
    assert member.get(url("session", meeting.pk)).status_code == 404
    assert member.get(url("item_detail", meeting.pk, agenda.decree.pk)).status_code == 404
    detail = page(member.get(reverse("meetings:meeting_detail", args=[meeting.pk])))
    assert "The agenda has not been published yet." in detail
    assert "Draft decree" not in detail
    services.agenda_publish(actor=government.secretary, meeting=meeting)
    session = page(member.get(url("session", meeting.pk)))
    assert "1.2" in session and "Spending" in session
    assert "Draft decree on e-government" in page(
        member.get(reverse("meetings:meeting_detail", args=[meeting.pk]))
    )


def test_the_secretariat_sees_its_working_draft(
    client: Client, government: Personas, agenda: AgendaPlan
) -> None:
    response = as_user(client, government.secretary).get(url("session", agenda.meeting.pk))
    assert response.status_code == 200
    assert "only the secretariat sees it" in page(response)


@pytest.mark.parametrize("name", ["session", "console", "agenda"])
def test_outsiders_see_nothing(
    client: Client, session: AgendaPlan, outsider: User, name: str
) -> None:
    assert as_user(client, outsider).get(url(name, session.meeting.pk)).status_code == 404


def test_anonymous_people_are_sent_to_log_in(client: Client, session: AgendaPlan) -> None:
    response = client.get(url("session", session.meeting.pk))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_console_is_for_the_chair_and_the_secretariat(
    client: Client, government: Personas, session: AgendaPlan
) -> None:
    assert (
        as_user(client, government.members[0]).get(url("console", session.meeting.pk)).status_code
        == 404
    )
    response = as_user(client, government.chair).get(url("console", session.meeting.pk))
    assert response.status_code == 200
    assert "Start the timer" in page(response)
    assert (
        as_user(client, government.secretary).get(url("console", session.meeting.pk)).status_code
        == 200
    )


def test_the_editor_is_the_secretariats(
    client: Client, government: Personas, agenda: AgendaPlan
) -> None:
    assert (
        as_user(client, government.chair).get(url("agenda", agenda.meeting.pk)).status_code == 404
    )
    response = as_user(client, government.secretary).get(url("agenda", agenda.meeting.pk))
    assert response.status_code == 200
    assert "Publish and notify members" in page(response)


def test_the_editor_offers_the_items_in_reading_order(
    client: Client, government: Personas, agenda: AgendaPlan
) -> None:
    """1, 1.1, 1.2, 2, 3: sub-items right under their item, not after the last one."""
    html = page(as_user(client, government.secretary).get(url("agenda", agenda.meeting.pk)))
    select = html[html.index('id="agenda-item-parent"') :]
    select = select[: select.index("</select>")]
    titles = [
        agenda.budget.title,
        agenda.budget_revenue.title,
        agenda.budget_spending.title,
        agenda.decree.title,
        agenda.report.title,
    ]
    positions = [select.index(escape(title)) for title in titles]
    assert positions == sorted(positions)
    assert f"1.1 {escape(agenda.budget_revenue.title)}" in select


# The secretariat prepares


def test_adding_an_item_from_the_editor(
    client: Client, government: Personas, agenda: AgendaPlan
) -> None:
    secretary = as_user(client, government.secretary)
    response = secretary.post(
        url("agenda", agenda.meeting.pk),
        {
            "title": "Tax reform",
            "parent": agenda.budget.pk,
            "kind": "decision",
            "presenter": "Ministry of Finance",
            "planned_minutes": "25",
        },
    )
    assert response.status_code == 302
    item = AgendaItem.objects.get(title="Tax reform")
    assert (item.parent, item.planned_minutes) == (agenda.budget, 25)
    assert "1.3" in page(secretary.get(url("agenda", agenda.meeting.pk)))


def test_a_bad_item_form_keeps_nothing(
    client: Client, government: Personas, agenda: AgendaPlan
) -> None:
    response = as_user(client, government.secretary).post(
        url("agenda", agenda.meeting.pk), {"title": "", "kind": "lunch", "planned_minutes": "-3"}
    )
    assert response.status_code == 400
    assert "Please correct the marked fields." in page(response)
    assert AgendaItem.objects.count() == 5


def test_members_cannot_add_items(
    client: Client, government: Personas, session: AgendaPlan
) -> None:
    response = as_user(client, government.members[0]).post(
        url("agenda", session.meeting.pk),
        {"title": "Mine", "kind": "decision", "planned_minutes": "5"},
    )
    assert response.status_code == 403
    assert not AgendaItem.objects.filter(title="Mine").exists()


def test_moving_an_item_with_the_move_form(
    client: Client, government: Personas, agenda: AgendaPlan
) -> None:
    secretary = as_user(client, government.secretary)
    response = secretary.post(
        url("item_move", agenda.meeting.pk, agenda.report.pk),
        {"parent": "", "position": "0", "return_to": "agenda"},
    )
    assert response.status_code == 302
    assert response["Location"] == url("agenda", agenda.meeting.pk)
    first = page(secretary.get(url("agenda", agenda.meeting.pk))).index("Socio-economic report")
    assert first < page(secretary.get(url("agenda", agenda.meeting.pk))).index("State budget")


@pytest.mark.parametrize("data", [{"position": "x"}, {"position": "0", "parent": "999999"}, {}])
def test_a_malformed_move_is_refused(
    client: Client, government: Personas, agenda: AgendaPlan, data: dict[str, str]
) -> None:
    response = as_user(client, government.secretary).post(
        url("item_move", agenda.meeting.pk, agenda.report.pk), {**data, "return_to": "agenda"}
    )
    assert response.status_code == 400
    assert "Choose where to move the item." in page(response)


def test_moving_into_itself_shows_the_reason(
    client: Client, government: Personas, agenda: AgendaPlan
) -> None:
    response = as_user(client, government.secretary).post(
        url("item_move", agenda.meeting.pk, agenda.budget.pk),
        {"parent": agenda.budget_revenue.pk, "position": "0", "return_to": "agenda"},
    )
    assert response.status_code == 400
    assert "An item cannot move into itself." in page(response)


def test_editing_an_item(client: Client, government: Personas, agenda: AgendaPlan) -> None:
    secretary = as_user(client, government.secretary)
    assert secretary.get(url("item_edit", agenda.meeting.pk, agenda.decree.pk)).status_code == 200
    response = secretary.post(
        url("item_edit", agenda.meeting.pk, agenda.decree.pk),
        {"title": "Decree on e-government (revised)", "kind": "decision", "planned_minutes": "50"},
    )
    assert response.status_code == 302
    agenda.decree.refresh_from_db()
    assert (agenda.decree.title, agenda.decree.planned_minutes) == (
        "Decree on e-government (revised)",
        50,
    )
    assert (
        as_user(client, government.members[0])
        .get(url("item_edit", agenda.meeting.pk, agenda.decree.pk))
        .status_code
        == 404
    )


def test_publishing_from_the_editor(
    client: Client, government: Personas, agenda: AgendaPlan
) -> None:
    response = as_user(client, government.secretary).post(
        url("agenda_publication", agenda.meeting.pk, "publish"), {"return_to": "agenda"}
    )
    assert response.status_code == 302
    agenda.meeting.agenda.refresh_from_db()
    assert agenda.meeting.agenda.is_published
    response = client.post(
        url("agenda_publication", agenda.meeting.pk, "publish"), {"return_to": "agenda"}
    )
    assert response.status_code == 400
    assert "already published" in page(response)


def test_the_speaking_time_setting(
    client: Client, government: Personas, agenda: AgendaPlan
) -> None:
    secretary = as_user(client, government.secretary)
    secretary.post(
        url("speaking_limit", agenda.meeting.pk),
        {"speaking_limit_minutes": "3", "return_to": "agenda"},
    )
    agenda.meeting.agenda.refresh_from_db()
    assert agenda.meeting.agenda.speaking_limit_seconds == 180
    response = secretary.post(
        url("speaking_limit", agenda.meeting.pk), {"speaking_limit_minutes": "lots"}
    )
    assert response.status_code == 400


# The chair leads


def test_the_chair_starts_an_item_and_gives_the_floor(
    client: Client, government: Personas, session: AgendaPlan
) -> None:
    meeting = session.meeting
    minister = government.members[0]
    chair = Client()
    chair.force_login(government.chair)
    tablet = as_user(client, minister)
    assert (
        chair.post(
            url("item_action", meeting.pk, session.decree.pk, "start"), {"return_to": "console"}
        ).status_code
        == 302
    )
    assert (
        tablet.post(
            url("speak", meeting.pk, session.decree.pk), {"kind": "speech", "return_to": "session"}
        ).status_code
        == 302
    )
    console = page(chair.get(url("console", meeting.pk)))
    assert "Give the floor" in console and shown(minister) in console
    speaker = Speaker.objects.get(user=minister)
    assert (
        chair.post(
            url("speaker_action", meeting.pk, speaker.pk, "floor"), {"return_to": "console"}
        ).status_code
        == 302
    )
    member_page = page(tablet.get(url("session", meeting.pk)))
    assert "Has the floor" in member_page and shown(minister) in member_page
    assert "I have finished" in member_page


def test_members_cannot_lead(client: Client, government: Personas, session: AgendaPlan) -> None:
    response = as_user(client, government.members[0]).post(
        url("item_action", session.meeting.pk, session.decree.pk, "start")
    )
    assert response.status_code == 403
    assert AgendaItem.objects.get(pk=session.decree.pk).status == AgendaItem.Status.PENDING


def test_a_refused_action_shows_the_reason_on_the_page_it_came_from(
    client: Client, government: Personas, session: AgendaPlan
) -> None:
    response = as_user(client, government.chair).post(
        url("item_action", session.meeting.pk, session.decree.pk, "end"), {"return_to": "console"}
    )
    assert response.status_code == 400
    assert "Only the item in progress can end." in page(response)
    assert "Chair&#x27;s console" in page(response) or "Chair's console" in page(response)


def test_unknown_actions_are_not_found(
    client: Client, government: Personas, session: AgendaPlan
) -> None:
    chair = as_user(client, government.chair)
    assert (
        chair.post(url("item_action", session.meeting.pk, session.decree.pk, "explode")).status_code
        == 404
    )
    assert chair.post(url("timer", session.meeting.pk, "pause")).status_code == 404


def test_the_chair_timer_from_the_console(
    client: Client, government: Personas, session: AgendaPlan
) -> None:
    chair = as_user(client, government.chair)
    chair.post(url("timer", session.meeting.pk, "start"), {"minutes": "5", "return_to": "console"})
    assert 'data-count-down="' in page(chair.get(url("session", session.meeting.pk)))
    response = chair.post(url("timer", session.meeting.pk, "start"), {"minutes": "-1"})
    assert response.status_code == 400
    member = Client()
    member.force_login(government.members[0])
    assert member.post(url("timer", session.meeting.pk, "stop")).status_code == 403


# Comments


def test_a_member_comments_edits_and_deletes(
    client: Client, government: Personas, session: AgendaPlan
) -> None:
    tablet = as_user(client, government.members[0])
    meeting, item = session.meeting, session.decree
    response = tablet.post(
        url("comment_post", meeting.pk, item.pk),
        {"text": "We support the draft.", "return_to": "item"},
    )
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    assert "We support the draft." in page(tablet.get(url("item_detail", meeting.pk, item.pk)))
    tablet.post(url("comment_edit", meeting.pk, comment.pk), {"text": "We support it."})
    comment.refresh_from_db()
    assert comment.text == "We support it."
    tablet.post(url("comment_action", meeting.pk, comment.pk, "delete"), {"return_to": "item"})
    assert "We support it." not in page(tablet.get(url("item_detail", meeting.pk, item.pk)))
    secretary = Client()
    secretary.force_login(government.secretary)
    record = page(secretary.get(url("item_detail", meeting.pk, item.pk)))
    assert "We support it." in record and "Deleted by the author" in record


def test_an_empty_comment_is_refused(
    client: Client, government: Personas, session: AgendaPlan
) -> None:
    response = as_user(client, government.members[0]).post(
        url("comment_post", session.meeting.pk, session.decree.pk),
        {"text": "  ", "return_to": "item"},
    )
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_others_cannot_edit_a_comment(
    client: Client, government: Personas, session: AgendaPlan
) -> None:
    comment = services.comment_post(actor=government.members[0], item=session.decree, text="Mine")
    other = as_user(client, government.members[1])
    assert other.get(url("comment_edit", session.meeting.pk, comment.pk)).status_code == 404
    assert (
        other.post(url("comment_action", session.meeting.pk, comment.pk, "delete")).status_code
        == 403
    )
    assert (
        other.post(url("comment_action", session.meeting.pk, comment.pk, "hide")).status_code == 403
    )
    assert Comment.objects.get().is_visible


@pytest.mark.parametrize("fate", ["hidden", "deleted"])
def test_the_author_cannot_read_a_hidden_or_deleted_comment_on_its_edit_page(
    client: Client, government: Personas, session: AgendaPlan, fate: str
) -> None:
    """The edit page showed its author the text that the API withholds from members."""
    author = government.members[0]
    comment = services.comment_post(actor=author, item=session.decree, text="Rude remark")
    if fate == "hidden":
        services.comment_hide(actor=government.chair, comment=comment)
    else:
        services.comment_delete(actor=author, comment=comment)
    tablet = as_user(client, author)
    response = tablet.get(url("comment_edit", session.meeting.pk, comment.pk))
    assert response.status_code == 404
    assert "Rude remark" not in page(response)
    posted = tablet.post(url("comment_edit", session.meeting.pk, comment.pk), {"text": "Nicer"})
    assert posted.status_code == 404
    assert Comment.objects.get().text == "Rude remark"


def test_a_hidden_comment_is_hidden_from_members(
    client: Client, government: Personas, session: AgendaPlan
) -> None:
    comment = services.comment_post(actor=government.members[0], item=session.decree, text="Rude")
    chair = Client()
    chair.force_login(government.chair)
    chair.post(url("comment_action", session.meeting.pk, comment.pk, "hide"), {"return_to": "item"})
    member_view = page(
        as_user(client, government.members[1]).get(
            url("item_detail", session.meeting.pk, session.decree.pk)
        )
    )
    assert "Rude" not in member_view and "hidden by the chair" in member_view
    assert "Rude" in page(chair.get(url("item_detail", session.meeting.pk, session.decree.pk)))
