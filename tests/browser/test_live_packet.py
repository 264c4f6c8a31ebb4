"""The packet, the item pages and the secretariat's agenda editor follow the agenda and the
papers from the frames alone: a paper taken from one member leaves that member's packet and
no other, a moved item is renumbered on every packet and on another item's own page, and a new
item appears in the editor's list and among its "Under" choices, all without an HTTP request."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, expect

from agendas import services as agenda_services
from documents import services
from meetings.models import Meeting
from tests.browser.chromium import TABLET, chromium
from tests.browser.test_live_regions import PASSWORD, Screen, in_thread
from tests.conftest import Personas
from tests.documents.reading.conftest import build_papers, media_root  # noqa: F401  (fixture)
from tests.server import RunningServer, set_server_password


@pytest.mark.usefixtures("media_root")
@pytest.mark.browser
def test_the_packet_the_item_pages_and_the_editor_follow_without_asking_the_server(
    government: Personas, meeting: Meeting, running_server: RunningServer
) -> None:
    papers = build_papers(government, meeting)
    plan = papers.plan
    services.packet_publish(actor=government.secretary, meeting=meeting)
    secretary, first, second = government.secretary, government.members[0], government.members[1]
    for user in (secretary, first, second):
        set_server_password(user, PASSWORD)
    packet_path = f"/meetings/{meeting.pk}/packet/"
    url = running_server.url

    with chromium() as browser:

        def screen(browser: Browser, user: User, path: str) -> Screen:
            page = browser.new_context(viewport=TABLET).new_page()
            return Screen(page).open(url, user, path)

        packets = [screen(browser, first, packet_path), screen(browser, second, packet_path)]
        item_page = screen(browser, first, f"/meetings/{meeting.pk}/items/{plan.decree.pk}/")
        editor = screen(browser, secretary, f"/meetings/{meeting.pk}/agenda/")
        followers = (*packets, item_page, editor)
        for follower in followers:
            follower.page.evaluate("window.notReloaded = true")
        annex = f"#document-{papers.decree_annex.pk}"
        for packet in packets:
            expect(packet.page.locator(annex)).to_contain_text("Security annex")
        expect(item_page.page.locator(f"#item-number-{plan.decree.pk}")).to_contain_text("Item 2")

        # The secret annex is taken from the second member: it leaves that packet alone.
        in_thread(
            services.document_revoke,
            actor=secretary,
            document=papers.decree_annex,
            rights=["view"],
            user=second,
        )
        expect(packets[1].page.locator(annex)).to_have_count(0)
        expect(packets[0].page.locator(annex)).to_contain_text("Security annex")

        # The decree moves to the top: every packet and the decree's own page renumber.
        in_thread(
            agenda_services.agenda_item_move,
            actor=secretary,
            item=plan.decree,
            parent=None,
            position=0,
        )
        for packet in packets:
            decree = packet.page.locator(f"#packet-item-{plan.decree.pk} .item-number")
            expect(decree).to_have_text("1")
            revenue = packet.page.locator(f"#packet-item-{plan.budget_revenue.pk} .item-number")
            expect(revenue).to_have_text("2.1")
        expect(item_page.page.locator(f"#item-number-{plan.decree.pk}")).to_contain_text("Item 1")

        # A new item appears in the editor, and can be chosen at once to put another under it.
        in_thread(
            agenda_services.agenda_item_create,
            actor=secretary,
            meeting=meeting,
            title="Ethics code",
        )
        expect(editor.page.locator("#agenda-items")).to_contain_text("Ethics code")
        expect(editor.page.locator("#agenda-item-parent option")).to_contain_text(
            ["(top level)", "1 Draft decree on e-government", "4 Ethics code"]
        )
        for packet in packets:
            expect(packet.page.locator(".packet-list")).to_contain_text("Ethics code")

        for follower in followers:
            assert follower.requests == [], follower.requests
            assert follower.page.evaluate("window.notReloaded") is True
