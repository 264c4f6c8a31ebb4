"""The chair's console and a member's tablet side by side: the chair starts an item and gives
the floor, and the member's page follows without a reload. And the secretariat reorders the
agenda by drag and drop."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from agendas import services
from meetings import services as meeting_services
from meetings.models import Meeting
from tests.agendas.conftest import build_agenda
from tests.browser.chromium import TABLET, chromium
from tests.conftest import Personas, check_in
from tests.server import RunningServer, set_server_password

PASSWORD = "correct horse battery staple"


def log_in(page: Page, base_url: str, username: str, next_path: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.browser
def test_the_members_tablet_follows_the_chairs_console(
    government: Personas,
    meeting: Meeting,
    running_server: RunningServer,
    screenshot_dir: Path | None,
) -> None:
    agenda = build_agenda(government, meeting)
    services.agenda_publish(actor=government.secretary, meeting=meeting)
    check_in(meeting, government.voters[:20])
    meeting_services.meeting_start(actor=government.chair, meeting=meeting)
    member = government.members[0]
    set_server_password(government.chair, PASSWORD)
    set_server_password(member, PASSWORD)
    name = member.get_full_name()

    with chromium() as browser:
        chair = browser.new_context(viewport=TABLET).new_page()
        log_in(
            chair, running_server.url, government.chair.username, f"/meetings/{meeting.pk}/console/"
        )
        tablet = browser.new_context(viewport=TABLET).new_page()
        log_in(tablet, running_server.url, member.username, f"/meetings/{meeting.pk}/session/")
        current = tablet.locator("#current-item")
        expect(current).to_contain_text("No item is being discussed right now.")
        tablet.evaluate("window.notReloaded = true")

        chair.locator(f"#agenda-item-{agenda.decree.pk}").get_by_role(
            "button", name="Start"
        ).click()
        expect(chair.locator(".console-current")).to_contain_text("Draft decree on e-government")

        expect(current).to_contain_text("Item 2", timeout=5_000)
        expect(current).to_contain_text("Draft decree on e-government")
        assert tablet.evaluate("window.notReloaded") is True

        current.get_by_role("button", name="Ask to speak").click()
        expect(tablet.get_by_role("status").first).to_contain_text(
            "You are on the list of speakers."
        )
        tablet.evaluate("window.notReloaded = true")

        queue = chair.locator(".queue")
        expect(queue).to_contain_text(name, timeout=5_000)
        queue.get_by_role("button", name="Give the floor").click()
        expect(chair.locator(".floor")).to_contain_text(name)

        floor = tablet.locator(".floor")
        expect(floor).to_contain_text("Has the floor", timeout=5_000)
        expect(floor).to_contain_text(name)
        expect(floor.get_by_role("button", name="I have finished")).to_be_visible()
        expect(floor.locator(".clock")).to_have_text(re.compile(r"^0:0[1-9]$"), timeout=5_000)
        assert tablet.evaluate("window.notReloaded") is True

        if screenshot_dir is not None:
            tablet.screenshot(path=str(screenshot_dir / "member-session.png"))
            chair.screenshot(path=str(screenshot_dir / "chair-console.png"))


@pytest.mark.browser
def test_the_secretariat_reorders_the_agenda_by_dragging(
    government: Personas,
    meeting: Meeting,
    running_server: RunningServer,
    screenshot_dir: Path | None,
) -> None:
    agenda = build_agenda(government, meeting)
    set_server_password(government.secretary, PASSWORD)

    with chromium() as browser:
        # Without the rows' animation, the row under the pointer is where the page says it is.
        page = browser.new_context(viewport=TABLET, reduced_motion="reduce").new_page()
        log_in(
            page,
            running_server.url,
            government.secretary.username,
            f"/meetings/{meeting.pk}/agenda/",
        )
        report = page.locator(f"#item-{agenda.report.pk}")
        expect(report.locator(".item-number").first).to_have_text("3")
        handle = report.locator(".drag-handle").first
        target = page.locator(f"#item-{agenda.budget.pk} .editor-row").first
        first_row = page.locator("ol.editor-tree > li").first
        # The drag works once the page script has made the lists sortable; on a busy machine
        # that can come after the rows are drawn.
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-sortable-items]')]"
            ".every((list) => window.Sortable && window.Sortable.get(list))"
        )
        dragging = page.locator(".sortable-chosen")
        for _attempt in range(3):
            # Both rows on screen, and the target's place read after any scrolling that brings
            # them there: the pointer works in viewport coordinates.
            target.scroll_into_view_if_needed()
            handle.hover()
            page.mouse.down()
            box = target.bounding_box()
            assert box is not None
            page.mouse.move(box["x"] + 40, box["y"] + box["height"] / 2, steps=12)
            if dragging.count():
                break
            # Sortable did not take the gesture (the pointer went up with nothing picked up,
            # which moves nothing): make it again.
            page.mouse.up()
        # Sortable looks at where the pointer is every 50 ms, not at each move, and swaps only
        # while it is over the middle of the target item (swapThreshold): on a busy machine the
        # moves on the way are not seen, so keep pointing at the middle of the target row,
        # wherever it now is, until the dragged row sits first.
        for nudge in range(40):
            if first_row.get_attribute("id") == f"item-{agenda.report.pk}":
                break
            box = target.bounding_box()
            assert box is not None
            middle = box["y"] + box["height"] / 2
            page.mouse.move(box["x"] + 40 + nudge % 3, middle + nudge % 3 - 1, steps=3)
            page.wait_for_timeout(100)
        expect(first_row).to_have_id(f"item-{agenda.report.pk}", timeout=5_000)
        page.mouse.up()
        expect(page.locator(f"#item-{agenda.report.pk} .item-number").first).to_have_text(
            "1", timeout=5_000
        )
        expect(page.locator(f"#item-{agenda.budget.pk} .item-number").first).to_have_text("2")
        expect(page.locator(f"#item-{agenda.budget_spending.pk} .item-number").first).to_have_text(
            "2.2"
        )
        if screenshot_dir is not None:
            page.screenshot(path=str(screenshot_dir / "secretariat-agenda.png"), full_page=True)
