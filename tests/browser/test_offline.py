"""A member reads the meeting's papers on a tablet without the network: the offline reader
takes them (encrypted in IndexedDB, the key wrapped under a PIN the member chooses), the tablet
goes offline, the member reads a paper and writes a note; the page is reloaded without the
network, the PIN opens the papers again; back online, the notes reach the server. Wrong PINs
delete the store, and so does the lease's end by the tablet's clock. A paper whose access is
withdrawn leaves the tablet at its next sync; a paper past its period is deleted by the tablet's
clock, and once the server's period is over the key is refused and nothing is left to decrypt."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from documents import services as document_services
from documents.models import Note
from meetings.models import Meeting
from offline.models import Holding, Lease
from tests.browser.chromium import TABLET, chromium
from tests.browser.test_content_security_policy import Watched
from tests.browser.test_live_regions import in_thread
from tests.browser.test_live_session import PASSWORD, log_in
from tests.conftest import Personas
from tests.documents.reading.conftest import build_papers, media_root  # noqa: F401  (fixture)
from tests.server import RunningServer, set_server_password

# What the tablet's store holds, read the way any script of the site could: each paper's
# number and the first bytes of what is stored for it.
STORED = """() => new Promise((resolve, reject) => {
  const opening = indexedDB.open("offline-papers");
  opening.onerror = () => reject(opening.error);
  opening.onsuccess = () => {
    const db = opening.result;
    const reading = db.transaction("papers").objectStore("papers").getAll();
    reading.onsuccess = () => {
      db.close();
      resolve(reading.result.map((record) => ({
        document: record.document,
        head: String.fromCharCode(...new Uint8Array(record.pdf.data).slice(0, 4)),
      })));
    };
  };
})"""

# Put a paper's end, as the tablet's clock reads it, in the past.
EXPIRE = """(documentId) => new Promise((resolve, reject) => {
  const opening = indexedDB.open("offline-papers");
  opening.onsuccess = () => {
    const db = opening.result;
    const papers = db.transaction("papers", "readwrite").objectStore("papers");
    const reading = papers.get(documentId);
    reading.onsuccess = () => {
      const record = reading.result;
      record.expires = Date.now() - 1000;
      papers.put(record).onsuccess = () => { db.close(); resolve(true); };
    };
  };
  opening.onerror = () => reject(opening.error);
})"""


# The meetings whose key the store keeps wrapped, and each one's end.
WRAPPED = """() => new Promise((resolve, reject) => {
  const opening = indexedDB.open("offline-papers");
  opening.onerror = () => reject(opening.error);
  opening.onsuccess = () => {
    const db = opening.result;
    const reading = db.transaction("keys").objectStore("keys").getAll();
    reading.onsuccess = () => { db.close(); resolve(reading.result.map((r) => r.meeting)); };
  };
})"""

# Put every wrapped key's end, as the tablet's clock reads it, in the past.
EXPIRE_KEYS = """() => new Promise((resolve, reject) => {
  const opening = indexedDB.open("offline-papers");
  opening.onsuccess = () => {
    const db = opening.result;
    const wrapped = db.transaction("keys", "readwrite").objectStore("keys");
    const reading = wrapped.getAll();
    reading.onsuccess = () => {
      for (const record of reading.result) {
        record.expires = Date.now() - 1000;
        wrapped.put(record);
      }
      wrapped.transaction.oncomplete = () => { db.close(); resolve(true); };
    };
  };
  opening.onerror = () => reject(opening.error);
})"""

PIN = "pluto-4829"


def keep_with_pin(page: Page, pin: str = PIN) -> None:
    page.get_by_label("PIN", exact=True).fill(pin)
    page.get_by_label("The same PIN again").fill(pin)
    page.get_by_role("button", name="Keep the papers on this device").click()


def unlock(page: Page, pin: str) -> None:
    page.get_by_label("Your PIN").fill(pin)
    page.get_by_role("button", name="Open the papers").click()


def stored(page: Page) -> dict[int, str]:
    return {row["document"]: row["head"] for row in page.evaluate(STORED)}


def status(page: Page) -> Any:
    return page.locator('[data-offline="status"]')


@pytest.mark.usefixtures("media_root")
@pytest.mark.browser
def test_a_member_reads_offline_and_the_tablet_forgets_what_it_may_no_longer_keep(
    government: Personas,
    meeting: Meeting,
    running_server: RunningServer,
    screenshot_dir: Path | None,
) -> None:
    papers = build_papers(government, meeting)
    document_services.packet_publish(actor=government.secretary, meeting=meeting)
    member = government.members[0]
    set_server_password(member, PASSWORD)
    budget, programme = papers.budget_report.pk, papers.programme.pk

    with chromium() as browser:
        # The page, its service worker and pdf.js work under the Content-Security-Policy.
        watched = Watched(browser.new_context(viewport=TABLET))
        context = watched.context
        tablet = watched.page()
        log_in(tablet, running_server.url, member.username, "/offline/")
        expect(tablet.locator("#offline")).to_have_attribute("data-ready", "true")
        keep_with_pin(tablet)
        expect(status(tablet)).to_contain_text("Kept on this device: 4 papers", timeout=20_000)
        assert tablet.evaluate(WRAPPED) == [meeting.pk]
        kept = stored(tablet)
        # Never the secret annex; and what rests on the tablet is not a PDF but ciphertext.
        assert set(kept) == {
            budget,
            papers.revenue_note.pk,
            papers.decree_draft.pk,
            programme,
        }
        assert all(head != "%PDF" for head in kept.values())
        worker = tablet.evaluate("navigator.serviceWorker.ready.then((r) => r.active.scriptURL)")
        assert worker == f"{running_server.url}/sw.js"

        context.set_offline(True)
        expect(status(tablet)).to_contain_text("Offline")
        tablet.get_by_role("button", name="Read: Budget report").click()
        canvas = tablet.locator('[data-offline="canvas"]')
        expect(canvas).to_have_attribute("data-rendered-page", "1", timeout=15_000)
        tablet.get_by_role("button", name="Next page").click()
        expect(canvas).to_have_attribute("data-rendered-page", "2")
        tablet.get_by_label("Note on page 2").fill("Ask the minister about the deficit")
        tablet.get_by_role("button", name="Add note").click()
        pending = tablet.locator(".note-pending")
        expect(pending).to_contain_text("Ask the minister about the deficit")
        expect(pending).to_contain_text("sent when you are back online")
        if screenshot_dir is not None:
            tablet.screenshot(
                path=str(screenshot_dir / "member-offline-reader.png"), full_page=True
            )

        # On the plane, the tab reloaded: the page opens from the service worker, the papers
        # locked (the key is not on the tablet in clear) until the member types the PIN.
        tablet.reload()
        expect(tablet.locator('[data-offline="locked"]')).to_contain_text("type your PIN")
        expect(tablet.get_by_role("button", name="Read: Budget report")).to_have_count(0)
        if screenshot_dir is not None:
            tablet.screenshot(path=str(screenshot_dir / "member-offline-pin.png"), full_page=True)
        unlock(tablet, PIN)
        expect(status(tablet)).to_contain_text("Opened", timeout=15_000)
        tablet.get_by_role("button", name="Read: Programme").click()
        expect(canvas).to_have_attribute("data-rendered-page", "1", timeout=15_000)
        tablet.get_by_label("Note on page 1").fill("Which districts first?")
        tablet.get_by_role("button", name="Add note").click()
        expect(tablet.locator(".note-pending")).to_contain_text("Which districts first?")

        context.set_offline(False)
        tablet.evaluate("window.dispatchEvent(new Event('online'))")
        expect(status(tablet)).to_contain_text("Notes sent: 2.", timeout=15_000)
        expect(tablet.get_by_role("button", name="Read: Budget report")).to_be_visible()

        # Access withdrawn while the tablet is away: at its next connection the paper goes.
        context.set_offline(True)
        in_thread(
            document_services.document_revoke,
            actor=government.secretary,
            document=papers.budget_report,
            rights=["view"],
            user=member,
        )
        context.set_offline(False)
        tablet.evaluate("window.dispatchEvent(new Event('online'))")
        expect(status(tablet)).to_contain_text("Papers you may no longer keep were deleted")
        expect(tablet.get_by_role("button", name="Read: Budget report")).to_have_count(0)
        assert budget not in stored(tablet)

        # The tablet's own clock: a paper past its end is deleted, network or not.
        tablet.evaluate(EXPIRE, programme)
        context.set_offline(True)
        tablet.reload()
        expect(tablet.locator('[data-offline="locked"]')).to_be_visible()
        assert set(stored(tablet)) == {papers.revenue_note.pk, papers.decree_draft.pk}

        # The server's period is over: the key is refused, and the tablet deletes the rest.
        in_thread(Lease.objects.update, expires_at=timezone.now() - datetime.timedelta(minutes=1))
        context.set_offline(False)
        tablet.reload()
        expect(tablet.locator("#offline")).to_have_attribute("data-ready", "true")
        expect(tablet.get_by_text("No papers are kept on this device.")).to_be_visible()
        assert stored(tablet) == {}
        assert tablet.evaluate(WRAPPED) == []
        answer = tablet.evaluate(
            """async () => {
              const device = await new Promise((resolve) => {
                const opening = indexedDB.open("offline-papers");
                opening.onsuccess = () => {
                  const devices = opening.result.transaction("device").objectStore("device");
                  const get = devices.get("device");
                  get.onsuccess = () => { opening.result.close(); resolve(get.result); };
                };
              });
              const token = document.querySelector('meta[name="csrf-token"]').content;
              const response = await fetch(`/offline/devices/${device.id}/sync/`, {
                method: "POST",
                headers: {"Content-Type": "application/json", "X-CSRFToken": token},
                body: JSON.stringify({held: []}),
              });
              return response.json();
            }"""
        )
        assert answer["meetings"] == []
        assert watched.violations() == []

    assert set(Note.objects.filter(user=member).values_list("document_id", "page", "text")) == {
        (budget, 2, "Ask the minister about the deficit"),
        (programme, 1, "Which districts first?"),
    }
    assert (
        set(Holding.objects.filter(removed_at__isnull=True).values_list("document_id", flat=True))
        == set()
    )


@pytest.mark.usefixtures("media_root")
@pytest.mark.browser
def test_the_secretariat_wipes_a_lost_tablet_from_its_screen(
    government: Personas,
    meeting: Meeting,
    running_server: RunningServer,
    screenshot_dir: Path | None,
) -> None:
    papers = build_papers(government, meeting)
    document_services.packet_publish(actor=government.secretary, meeting=meeting)
    member = government.members[0]
    set_server_password(member, PASSWORD)
    set_server_password(government.secretary, PASSWORD)

    with chromium() as browser:
        tablet = browser.new_context(viewport=TABLET).new_page()
        log_in(tablet, running_server.url, member.username, "/offline/")
        expect(tablet.locator("#offline")).to_have_attribute("data-ready", "true")
        keep_with_pin(tablet)
        expect(status(tablet)).to_contain_text("Kept on this device: 4 papers", timeout=20_000)

        office = browser.new_context(viewport=TABLET).new_page()
        log_in(
            office,
            running_server.url,
            government.secretary.username,
            f"/meetings/{meeting.pk}/packet/",
        )
        office.get_by_role("link", name="Devices holding the papers").click()
        row = office.locator("tbody tr")
        expect(row).to_have_count(1)
        expect(row).to_contain_text(member.get_full_name())
        expect(row).to_contain_text("Holding")
        expect(row.locator("td").nth(2)).to_have_text("4")
        if screenshot_dir is not None:
            office.screenshot(path=str(screenshot_dir / "secretariat-devices.png"), full_page=True)
        office.once("dialog", lambda dialog: dialog.accept())
        row.get_by_role("button", name="Wipe").click()
        expect(row).to_contain_text("Wiped: deleted at its next connection")

        # The tablet, back in its member's hands or not, deletes everything at its next sync.
        tablet.reload()
        expect(tablet.locator("#offline")).to_have_attribute("data-ready", "true")
        expect(tablet.get_by_text("No papers are kept on this device.")).to_be_visible()
        assert stored(tablet) == {}
        office.reload()
        expect(office.locator("tbody tr")).to_contain_text("Wiped and deleted")

    lease = Lease.objects.get()
    assert lease.wiped_by == government.secretary
    assert not Holding.objects.filter(lease=lease, removed_at__isnull=True).exists()
    assert papers.decree_annex.pk not in set(Holding.objects.values_list("document_id", flat=True))


@pytest.mark.usefixtures("media_root")
@pytest.mark.browser
def test_wrong_pins_and_the_lease_end_delete_the_papers_from_the_tablet(
    government: Personas, meeting: Meeting, running_server: RunningServer
) -> None:
    build_papers(government, meeting)
    document_services.packet_publish(actor=government.secretary, meeting=meeting)
    member = government.members[0]
    set_server_password(member, PASSWORD)

    with chromium() as browser:
        context = browser.new_context(viewport=TABLET)
        tablet = context.new_page()
        log_in(tablet, running_server.url, member.username, "/offline/")
        expect(tablet.locator("#offline")).to_have_attribute("data-ready", "true")
        # A PIN any thief tries first, or too short, is refused; nothing is taken.
        keep_with_pin(tablet, "123456")
        expect(status(tablet)).to_contain_text("too easy to guess")
        keep_with_pin(tablet, "48291")
        expect(status(tablet)).to_contain_text("at least 6 characters")
        assert stored(tablet) == {}
        keep_with_pin(tablet, "482916")
        expect(status(tablet)).to_contain_text("Kept on this device: 4 papers", timeout=20_000)

        # Wrong PINs offline: the count survives a reload, and the last try deletes the store.
        context.set_offline(True)
        tablet.reload()
        unlock(tablet, "000111")
        expect(status(tablet)).to_contain_text("Tries left before the papers are deleted")
        expect(status(tablet)).to_contain_text(": 4.")
        unlock(tablet, "000112")
        expect(status(tablet)).to_contain_text(": 3.", timeout=15_000)
        tablet.reload()
        for left in (2, 1):
            unlock(tablet, f"00011{left}")
            expect(status(tablet)).to_contain_text(f": {left}.", timeout=15_000)
        unlock(tablet, "000119")
        expect(status(tablet)).to_contain_text("Too many wrong PINs", timeout=15_000)
        expect(tablet.get_by_text("No papers are kept on this device.")).to_be_visible()
        assert stored(tablet) == {}
        assert tablet.evaluate(WRAPPED) == []

        # Kept again; offline past the lease's end by the tablet's clock, the right PIN is
        # refused and the papers deleted.
        context.set_offline(False)
        tablet.reload()
        expect(tablet.locator("#offline")).to_have_attribute("data-ready", "true")
        keep_with_pin(tablet, "482916")
        expect(status(tablet)).to_contain_text("Kept on this device: 4 papers", timeout=20_000)
        # Reloaded online, the page holds no PIN: taking the papers again asks for one, which
        # replaces the old (the server handed every key again; no old PIN is needed).
        tablet.reload()
        expect(tablet.locator("#offline")).to_have_attribute("data-ready", "true")
        expect(tablet.get_by_text("This device already keeps papers")).to_be_visible()
        keep_with_pin(tablet, "735190")
        expect(status(tablet)).to_contain_text("Kept on this device: 4 papers", timeout=20_000)
        context.set_offline(True)
        tablet.reload()
        expect(tablet.locator('[data-offline="locked"]')).to_contain_text("type your PIN")
        unlock(tablet, "482916")
        expect(status(tablet)).to_contain_text(": 4.", timeout=15_000)
        tablet.evaluate(EXPIRE_KEYS)
        unlock(tablet, "735190")
        expect(status(tablet)).to_contain_text("The period for keeping these papers is over")
        expect(tablet.get_by_text("No papers are kept on this device.")).to_be_visible()
        assert stored(tablet) == {}
        assert tablet.evaluate(WRAPPED) == []
