"""A member answers a written-opinion poll on a tablet from the notice on their home page; the
secretariat then sees the answer, by name, with the signatures checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from consultations import services
from consultations.models import Answer
from tests.browser.chromium import TABLET, chromium
from tests.conftest import Personas
from tests.consultations.conftest import build_board, build_draft
from tests.server import RunningServer, set_server_password

PASSWORD = "correct horse battery staple"


def log_in(browser: Browser, server: RunningServer, user: User, path: str) -> Page:
    page = browser.new_context(viewport=TABLET).new_page()
    page.goto(f"{server.url}{path}")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page


@pytest.mark.browser
def test_member_answers_on_the_tablet_and_the_secretariat_sees_it(
    committee: Personas,
    outsider: User,
    running_server: RunningServer,
    screenshot_dir: Path | None,
) -> None:
    board = build_board(committee, outsider)
    sent = services.consultation_send(actor=board.secretary, consultation=build_draft(board))
    member, secretary = board.members[0], board.secretary
    set_server_password(member, PASSWORD)
    set_server_password(secretary, PASSWORD)
    first, second = sent.questions.all()
    detail = f"/bodies/{board.body.pk}/consultations/{sent.pk}/"

    with chromium() as browser:
        page = log_in(browser, running_server, member, "/")
        notice = page.get_by_role("complementary", name="Written opinions awaiting your answer")
        expect(notice).to_contain_text("Budget amendment 2027")
        expect(notice).to_contain_text("0 of 2 answered")
        notice.get_by_role("link", name="Budget amendment 2027").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Budget amendment 2027")
        questions = page.locator("fieldset.consultation-question")
        questions.nth(0).get_by_text("Agree", exact=True).click()
        questions.nth(1).get_by_text("Comment only", exact=True).click()
        questions.nth(1).get_by_role("textbox").fill("The relief fund needs an audit first.")
        if screenshot_dir is not None:
            page.screenshot(path=str(screenshot_dir / "member-written-opinion.png"))
        page.get_by_role("button", name="Send my answers").click()

        expect(page.get_by_role("status")).to_contain_text("Your answers are recorded and signed.")
        expect(questions.nth(0).get_by_role("radio", name="Agree", exact=True)).to_be_checked()
        # Answered in full: the notice is gone.
        expect(page.locator(".awaiting-banner")).to_have_count(0)

        office = log_in(browser, running_server, secretary, detail)
        expect(office.locator(".turnout")).to_contain_text(
            "1 of 5 members have answered every question"
        )
        row = office.locator(".consultation-answers tr", has_text=member.get_full_name())
        expect(row).to_contain_text("Agree")
        expect(row).to_contain_text("The relief fund needs an audit first.")
        expect(office.locator(".signature-check")).to_contain_text(
            "The signatures of all 2 stored answers match."
        )
        if screenshot_dir is not None:
            office.screenshot(
                path=str(screenshot_dir / "secretariat-written-opinion.png"), full_page=True
            )

    assert {(a.question_id, a.opinion) for a in Answer.objects.filter(user=member)} == {
        (first.pk, "agree"),
        (second.pk, "comment"),
    }
