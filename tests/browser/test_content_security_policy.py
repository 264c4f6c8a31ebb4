"""The live pages work under the strict Content-Security-Policy and break none of it: the
member's session page follows the chair over the socket, the reader draws a paper with pdf.js
in its worker, the secretariat drags agenda items; and no page reports a violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

from documents import services as document_services
from meetings import services as meeting_services
from meetings.models import Meeting
from tests.browser.chromium import TABLET, chromium
from tests.browser.test_live_session import PASSWORD, log_in
from tests.conftest import Personas, check_in
from tests.documents.reading.conftest import build_papers, media_root  # noqa: F401  (fixture)
from tests.server import RunningServer, set_server_password

# Recorded in every page before its own scripts run (an init script is not subject to the
# page's policy): what the browser refused, as the page itself learns of it.
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


class Watched:
    """A browser context whose pages report CSP violations, from the console and the page."""

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.console: list[str] = []
        self.pages: list[Page] = []
        context.add_init_script(WATCH)

    def page(self) -> Page:
        page = self.context.new_page()
        page.on("console", self._console)
        self.pages.append(page)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def violations(self) -> list[str]:
        reported = [v for page in self.pages for v in page.evaluate("window.__violations")]
        return self.console + reported


@pytest.mark.usefixtures("media_root")
@pytest.mark.browser
def test_the_live_pages_work_under_the_policy_without_a_violation(
    government: Personas, meeting: Meeting, running_server: RunningServer
) -> None:
    papers = build_papers(government, meeting)
    document_services.packet_publish(actor=government.secretary, meeting=meeting)
    check_in(meeting, government.voters[:20])
    meeting_services.meeting_start(actor=government.chair, meeting=meeting)
    member = government.members[0]
    for user in (member, government.chair, government.secretary):
        set_server_password(user, PASSWORD)
    base, m = running_server.url, meeting.pk

    with chromium() as browser:
        watched = Watched(browser.new_context(viewport=TABLET))
        tablet = watched.page()
        log_in(tablet, base, member.username, f"/meetings/{m}/session/")
        current = tablet.locator("#current-item")
        expect(current).to_contain_text("No item is being discussed right now.")

        chair_context = Watched(browser.new_context(viewport=TABLET))
        chair = chair_context.page()
        log_in(chair, base, government.chair.username, f"/meetings/{m}/console/")
        chair.locator(f"#agenda-item-{papers.plan.decree.pk}").get_by_role(
            "button", name="Start"
        ).click()
        # The socket (connect-src) brings the change to the tablet without a reload.
        expect(current).to_contain_text("Draft decree", timeout=5_000)

        # The reader: pdf.js as a module, its worker, its font data, drawing on a canvas.
        reader = watched.page()
        reader.goto(f"{base}/documents/{papers.budget_report.pk}/read/")
        expect(reader.locator("#reader canvas")).to_have_attribute(
            "data-rendered-page", "1", timeout=15_000
        )

        office_context = Watched(browser.new_context(viewport=TABLET))
        office = office_context.page()
        log_in(office, base, government.secretary.username, f"/meetings/{m}/agenda/")
        office.wait_for_function(
            "() => [...document.querySelectorAll('[data-sortable-items]')]"
            ".every((list) => window.Sortable && window.Sortable.get(list))"
        )
        office.goto(f"{base}/meetings/{m}/packet/receipts/")
        expect(office.locator("h1")).to_have_text("Read receipts")

        assert watched.violations() == []
        assert chair_context.violations() == []
        assert office_context.violations() == []
