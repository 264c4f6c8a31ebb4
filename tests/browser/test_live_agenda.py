"""The session screens follow the agenda, the floor, the comments, the timer and the votes from
the frames alone: two members' tablets and the chair's console side by side change without a
reload and without one HTTP request, what a member is typing survives the changes around it,
and the chair's own vote from a second device takes the vote buttons off the first."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, expect

from agendas import services
from agendas.models import Comment, Speaker
from meetings import services as meeting_services
from meetings.models import Meeting
from tests.agendas.conftest import build_agenda
from tests.browser.chromium import TABLET, chromium
from tests.browser.test_live_regions import PASSWORD, Screen, in_thread
from tests.conftest import Personas, check_in
from tests.server import RunningServer, set_server_password
from voting import services as voting_services
from voting.models import Participation, Poll


@pytest.mark.browser
def test_the_session_screens_follow_every_change_without_asking_the_server(
    government: Personas, meeting: Meeting, running_server: RunningServer
) -> None:
    plan = build_agenda(government, meeting)
    services.agenda_publish(actor=government.secretary, meeting=meeting)
    check_in(meeting, government.voters[:20])
    meeting_services.meeting_start(actor=government.chair, meeting=meeting)
    chair, first, second = government.chair, government.members[0], government.members[1]
    speakers = government.members[2:6]
    for user in (chair, first, second):
        set_server_password(user, PASSWORD)
    session_path = f"/meetings/{meeting.pk}/session/"
    console_path = f"/meetings/{meeting.pk}/console/"
    url = running_server.url

    with chromium() as browser:

        def screen(browser: Browser, user: User, path: str) -> Screen:
            page = browser.new_context(viewport=TABLET).new_page()
            return Screen(page).open(url, user, path)

        console = screen(browser, chair, console_path)
        tablets = [screen(browser, first, session_path), screen(browser, second, session_path)]
        for follower in (console, *tablets):
            follower.page.evaluate("window.notReloaded = true")

        # The chair starts the item from the console; the tablets show it at once.
        in_thread(services.agenda_item_start, actor=chair, item=plan.decree)
        for tablet in tablets:
            expect(tablet.page.locator("#current-item")).to_contain_text(
                "Draft decree on e-government"
            )
            expect(tablet.page.locator(f"#agenda-item-{plan.decree.pk}")).to_contain_text(
                "In progress"
            )
        expect(console.page.locator("#console-current")).to_contain_text("End the item")
        # The first member starts writing a comment.
        draft = tablets[0].page.locator(".comment-form textarea")
        draft.fill("Half-typed remark about article 7")

        # 1-4: the floor. Two members ask, the chair gives the floor and ends the turn.
        in_thread(services.speaker_request, actor=speakers[0], item=plan.decree)
        in_thread(services.speaker_request, actor=speakers[1], item=plan.decree)
        for tablet in tablets:
            expect(tablet.page.locator(f"#speakers-{plan.decree.pk} .queue li")).to_have_count(2)
        expect(console.page.get_by_role("button", name="Give the floor").first).to_be_visible()
        in_thread(services.floor_give_next, actor=chair, item=plan.decree)
        for follower in (console, *tablets):
            expect(follower.page.locator(".floor-name")).to_contain_text(
                speakers[0].get_full_name()
            )
            expect(follower.page.locator(".floor .clock")).to_have_text(re.compile(r"^0:0\d$"))
        # Nobody but the chair sees "End the turn"; the speaker's own button is not theirs.
        expect(tablets[0].page.get_by_role("button", name="End the turn")).to_have_count(0)
        expect(tablets[0].page.get_by_role("button", name="I have finished")).to_have_count(0)
        speaking = in_thread(
            lambda: Speaker.objects.get(item=plan.decree, status=Speaker.Status.SPEAKING)
        )
        in_thread(services.floor_end, actor=chair, speaker=speaking)
        for tablet in tablets:
            expect(tablet.page.locator(".floor-empty")).to_be_visible()

        # 5-7: comments, one of them hidden by the chair: its words leave the tablets.
        in_thread(services.comment_post, actor=speakers[2], item=plan.decree, text="A fair point")
        in_thread(
            services.comment_post, actor=speakers[3], item=plan.decree, text="Rude words here"
        )
        for tablet in tablets:
            expect(tablet.page.locator(".comment-list")).to_contain_text("Rude words here")
        rude = in_thread(lambda: Comment.objects.get(text="Rude words here"))
        in_thread(services.comment_hide, actor=chair, comment=rude)
        for tablet in tablets:
            expect(tablet.page.locator(f"#comment-{rude.pk}")).to_contain_text(
                "hidden by the chair"
            )
            expect(tablet.page.locator(".comment-list")).not_to_contain_text("Rude words")
        expect(console.page.locator(f"#comment-{rude.pk}")).to_contain_text("Rude words here")

        # 8-9: the chair's timer runs on every screen, then stops without leaving a clock.
        in_thread(services.timer_start, actor=chair, meeting=meeting, seconds=90)
        for follower in (console, *tablets):
            expect(follower.page.locator("#chair-timer .clock")).to_have_text(re.compile(r"^1:"))
        in_thread(services.timer_stop, actor=chair, meeting=meeting)
        for follower in (console, *tablets):
            expect(follower.page.locator("#chair-timer")).to_be_hidden()
            expect(follower.page.locator("#chair-timer .clock")).to_have_count(0)

        # 10-12: a vote, prepared (the chair's alone), opened, a ballot cast.
        poll = in_thread(
            voting_services.poll_create,
            actor=chair,
            item=plan.decree,
            question="Adopt the decree?",
        )
        expect(console.page.locator(".poll-question")).to_have_text("Adopt the decree?")
        in_thread(voting_services.poll_open, actor=chair, poll=poll)
        for tablet in tablets:
            expect(tablet.page.locator(".poll-question")).to_have_text("Adopt the decree?")
            expect(tablet.page.get_by_role("button", name="Yes", exact=True)).to_be_visible()
        in_thread(voting_services.ballot_cast, actor=speakers[0], poll=poll, answer="no")
        for follower in (console, *tablets):
            expect(follower.page.locator(".turnout")).to_contain_text(
                re.compile(r"1\s*/\s*20 have voted")
            )

        # What the member was typing is still there, after a dozen changes around it.
        expect(draft).to_have_value("Half-typed remark about article 7")
        for follower in (console, *tablets):
            assert follower.requests == [], follower.requests
            assert follower.page.evaluate("window.notReloaded") is True

        # The chair votes from a second device; the console's vote buttons go away.
        expect(console.page.get_by_role("button", name="Yes", exact=True)).to_be_visible()
        phone = screen(browser, chair, session_path)
        phone.page.get_by_role("button", name="Yes", exact=True).click()
        expect(phone.page.locator(".voted")).to_contain_text("You voted: Yes.")
        expect(console.page.locator(f"#ballot-{poll.pk}")).to_contain_text("You voted: Yes.")
        expect(console.page.get_by_role("button", name="Yes", exact=True)).to_have_count(0)
        # The members' buttons stay: the chair's ballot is not theirs.
        for tablet in tablets:
            expect(tablet.page.locator(".turnout")).to_contain_text(
                re.compile(r"2\s*/\s*20 have voted")
            )
            expect(tablet.page.get_by_role("button", name="Yes", exact=True)).to_be_visible()

        # The first member posts what they wrote: it reaches the others, not by a reload.
        tablets[0].page.get_by_role("button", name="Post").click()
        expect(tablets[1].page.locator(".comment-list")).to_contain_text(
            "Half-typed remark about article 7"
        )
        expect(console.page.locator(".comment-list")).to_contain_text("article 7")
        assert tablets[1].requests == [] and console.requests == []

    assert Participation.objects.filter(poll__status=Poll.Status.OPEN).count() == 2
