"""Accessibility (WCAG 2.2 AA): every screen, in both languages, passes axe-core in Chromium with
no serious or critical violation. A member, the chair and the secretariat each walk their own
screens of a session under way, with a vote open. A member using a screen reader hears a vote
open, their ballot recorded and the result, and votes and asks to speak with the keyboard alone."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import User
from django.urls import reverse
from playwright.sync_api import Page, expect

from agendas import services as agenda_services
from meetings.models import Meeting
from tests.agendas.conftest import decree_under_discussion
from tests.browser.chromium import TABLET, chromium
from tests.browser.test_live_regions import in_thread
from tests.conftest import Personas
from tests.server import RunningServer, session_cookie
from voting import services as voting_services

# The rules of WCAG 2.0, 2.1 and 2.2 at levels A and AA, as axe-core tags them.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}


def screens(meeting: Meeting, item_id: int, body_id: int) -> dict[str, list[str]]:
    """Each persona's screens of the meeting and around it."""
    pk = meeting.pk
    everyone = [
        reverse("meetings:my_meetings"),
        reverse("meetings:meeting_detail", args=[pk]),
        reverse("meetings:attendance_board", args=[pk]),
        reverse("agendas:session", args=[pk]),
        reverse("agendas:item_detail", args=[pk, item_id]),
        reverse("documents:packet", args=[pk]),
        reverse("documents:documents", args=[pk]),
        reverse("meetings:body_list"),
        reverse("meetings:body_detail", args=[body_id]),
        reverse("consultations:index"),
        reverse("minutes:archive"),
        reverse("minutes:verify"),
        reverse("minutes:my_tasks"),
        reverse("notices:inbox"),
        reverse("offline:reader"),
    ]
    return {
        "visitor": [reverse("login")],
        "member": everyone,
        "chair": [reverse("agendas:console", args=[pk])],
        "secretariat": [
            reverse("meetings:secretariat_meetings"),
            reverse("agendas:agenda", args=[pk]),
            reverse("meetings:sign_in_sheet", args=[pk]),
            reverse("meetings:body_edit", args=[body_id]),
            reverse("meetings:meeting_create", args=[body_id]),
            reverse("meetings:membership_create", args=[body_id]),
            reverse("consultations:create", args=[body_id]),
            reverse("offline:devices", args=[pk]),
        ],
    }


def blocking(results: dict[str, Any]) -> list[str]:
    """The serious and critical violations, each with where and why (its first three places)."""
    found = []
    for violation in results["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        places = "; ".join(
            f"{' '.join(node['target'])}: {node.get('failureSummary', '')}"
            for node in violation["nodes"][:3]
        )
        found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {places}")
    return found


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "vi"])
def test_every_screen_passes_axe(
    language: str,
    government: Personas,
    meeting: Meeting,
    secretariat: User,
    running_server: RunningServer,
) -> None:
    plan = decree_under_discussion(government, meeting)
    agenda_services.speaker_request(actor=government.members[1], item=plan.decree)
    poll = voting_services.poll_create(
        actor=government.chair, item=plan.decree, question="Adopt the decree?"
    )
    voting_services.poll_open(actor=government.chair, poll=poll)
    people = {
        "member": government.members[0],
        "chair": government.chair,
        "secretariat": secretariat,
    }
    cookies = {role: session_cookie(user) for role, user in people.items()}
    cookies["visitor"] = {}
    walk = screens(meeting, plan.decree.pk, government.body.pk)
    axe = Axe()
    found: list[str] = []

    with chromium() as browser:
        for role, paths in walk.items():
            context = browser.new_context(viewport=TABLET)
            context.add_cookies(
                [
                    {"name": name, "value": value, "url": running_server.url}
                    for name, value in {**cookies[role], "django_language": language}.items()
                ]
            )
            page = context.new_page()
            for path in paths:
                response = page.goto(running_server.url + path)
                assert response is not None and response.status == 200, (role, path)
                assert page.locator("html").get_attribute("lang") == language
                results = axe.run(
                    page, options={"runOnly": {"type": "tag", "values": WCAG_AA}}
                ).response
                found += [f"{role} {path}: {v}" for v in blocking(results)]
            context.close()

    assert found == [], "\n".join(found)


def tab_to(page: Page, name: str, limit: int = 120) -> None:
    """Press Tab until the focused control is the button named `name`, as a keyboard user
    would reach it, and check that the focus is visible on it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " return e && e.tagName === 'BUTTON' ? e.textContent.trim() : null; }"
        )
        if focused == name:
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"the focus on {name!r} is not visible"
            return
    raise AssertionError(f"{name!r} cannot be reached with the keyboard")


@pytest.mark.browser
def test_a_member_hears_the_vote_and_votes_and_asks_to_speak_with_the_keyboard_alone(
    government: Personas,
    meeting: Meeting,
    running_server: RunningServer,
) -> None:
    plan = decree_under_discussion(government, meeting)
    poll = voting_services.poll_create(
        actor=government.chair, item=plan.decree, question="Adopt the decree?"
    )
    member = government.members[0]
    cookie = session_cookie(member)
    session_path = reverse("agendas:session", args=[meeting.pk])

    with chromium() as browser:
        context = browser.new_context(viewport=TABLET)
        ((name, value),) = cookie.items()
        context.add_cookies([{"name": name, "value": value, "url": running_server.url}])
        page = context.new_page()
        page.goto(running_server.url + session_path)
        expect(page.locator(".live-status")).to_have_attribute("data-state", "live")
        announcer = page.locator("#live-announcer")
        expect(announcer).to_have_attribute("aria-live", "polite")

        in_thread(voting_services.poll_open, actor=government.chair, poll=poll)
        expect(announcer).to_have_text("Vote open: Adopt the decree?")

        tab_to(page, "Yes")
        page.keyboard.press("Enter")
        expect(page.locator(f"#ballot-{poll.pk}")).to_contain_text("You voted: Yes.")

        tab_to(page, "Ask to speak")
        page.keyboard.press("Enter")
        expect(page.get_by_role("button", name="Withdraw")).to_be_visible()
        expect(page.locator(f"#ask-{plan.decree.pk}")).not_to_contain_text("Ask to speak")

        page.goto(running_server.url + session_path)
        expect(page.locator(".live-status")).to_have_attribute("data-state", "live")
        for voter in government.voters[1:15]:
            in_thread(voting_services.ballot_cast, actor=voter, poll=poll, answer="yes")
        in_thread(voting_services.poll_close, actor=government.chair, poll=poll)
        expect(announcer).to_have_text("Result of the vote on “Adopt the decree?”: Adopted")
