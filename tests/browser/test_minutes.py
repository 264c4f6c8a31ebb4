"""Minutes in headless Chromium, from the draft to a checked signature: the secretary edits and
submits, the chair approves, both sign with their own key files, and a member downloads the
signed PDF and checks it on the verification page; poppler's pdfsig agrees."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from meetings.models import Meeting
from minutes.models import Minutes
from tests.browser.chromium import TABLET, chromium
from tests.browser.test_vote import PASSWORD, log_in
from tests.conftest import Personas
from tests.minutes.conftest import PASSPHRASE, Held, Keys, held, keys, pki_files  # noqa: F401
from tests.minutes.test_pdf import pdfsig
from tests.server import ServerProcess, set_server_password

S = Minutes.Status


def open_minutes(browser: Browser, base_url: str, user: User, meeting: Meeting) -> Page:
    """Log in on the meeting's page and follow its link to the minutes, as a person would."""
    page = browser.new_context(viewport=TABLET).new_page()
    log_in(page, base_url, user.username, f"/meetings/{meeting.pk}/")
    page.get_by_role("link", name="Open the minutes").click()
    expect(page).to_have_url(re.compile(rf"/meetings/{meeting.pk}/minutes/$"))
    return page


def sign(page: Page, role: str, key_file: Path) -> None:
    form = page.get_by_role("region", name=f"Sign as the {role}")
    form.get_by_label("Your key file (.p12)").set_input_files(str(key_file))
    form.get_by_label("Passphrase").fill(PASSPHRASE)
    form.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Your signature is on the minutes.")


@pytest.mark.browser
def test_minutes_from_the_draft_to_a_checked_signature(
    government: Personas,
    held: Held,  # noqa: F811
    keys: Keys,  # noqa: F811
    server_process: ServerProcess,
    tmp_path: Path,
    screenshot_dir: Path | None,
) -> None:
    # The server trusts the same test root as the keys' issuer.
    server_process.environment["MINUTES_TRUST_ROOTS"] = str(keys.ca_pem)
    server = server_process.start()
    meeting = held.meeting
    secretary, chair, member = government.secretary, government.chair, government.members[0]
    for person in (secretary, chair, member):
        set_server_password(person, PASSWORD)
    secretary_key, chair_key = tmp_path / "secretary.p12", tmp_path / "chair.p12"
    secretary_key.write_bytes(keys.secretary)
    chair_key.write_bytes(keys.chair)
    opening = "Thủ tướng chủ trì phiên họp; khai mạc lúc 8 giờ 02."

    with chromium() as browser:
        writer = open_minutes(browser, server.url, secretary, meeting)
        editor = writer.get_by_role("region", name="Edit the minutes")
        editor.get_by_label("Opening", exact=True).fill(opening)
        editor.get_by_role("button", name="Save and submit to the chair").click()
        expect(writer.get_by_role("status")).to_contain_text(
            "The minutes are submitted to the chair."
        )
        expect(writer.locator(".badges")).to_contain_text("Submitted")

        reviewer = open_minutes(browser, server.url, chair, meeting)
        expect(reviewer.get_by_role("region", name="Text", exact=True)).to_contain_text(opening)
        reviewer.get_by_role("button", name="Approve the minutes").click()
        expect(reviewer.get_by_role("status")).to_contain_text(
            "The minutes are approved; the secretary signs them first."
        )
        # Nothing for the chair to sign until the secretary has.
        expect(reviewer.get_by_role("region", name="Sign as the chair")).to_have_count(0)
        expect(reviewer.locator("body")).to_contain_text("The secretary signs first")

        writer.reload()
        sign(writer, "secretary", secretary_key)
        expect(writer.locator("body")).to_contain_text("The chair signs next")

        reviewer.reload()
        sign(reviewer, "chair", chair_key)
        expect(reviewer.locator(".badges")).to_contain_text("Signed")

        official = browser.new_context(viewport=TABLET, accept_downloads=True).new_page()
        log_in(official, server.url, member.username, f"/meetings/{meeting.pk}/")
        card = official.get_by_role("region", name="Minutes", exact=True)
        with official.expect_download() as download_info:
            card.get_by_role("link", name=re.compile(r"^Signed minutes .* \(PDF\)$")).click()
        downloaded = tmp_path / download_info.value.suggested_filename
        download_info.value.save_as(downloaded)

        official.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Check a signature"
        ).click()
        official.get_by_label("Signed PDF").set_input_files(str(downloaded))
        official.get_by_role("button", name="Check", exact=True).click()
        result = official.get_by_role("region", name="Signatures", exact=True)
        expect(result).to_contain_text(f"Checked file: {downloaded.name}")
        expect(result.locator(".verdict")).to_have_text(
            "All 2 signatures are valid and trusted; after each one, nothing was added but the "
            "signatures that follow it."
        )
        rows = result.locator("tbody tr")
        expect(rows).to_have_count(2)
        # Named as their certificates name them (tests.minutes.conftest.pki_files).
        expect(rows.nth(0)).to_contain_text("Lý Thu Hương")
        expect(rows.nth(1)).to_contain_text("Trần Quang Minh")
        for row in (rows.nth(0), rows.nth(1)):
            expect(row).to_have_class("check-ok")
            expect(row).to_contain_text("Valid: the signed content is intact")
            expect(row).to_contain_text("Trusted root")
        # The secretary's signature is followed only by the chair's; the chair's is the last.
        expect(rows.nth(0)).to_contain_text("Only later signatures were added")
        expect(rows.nth(1)).to_contain_text("None: the signature covers the whole document")
        digest = hashlib.sha256(downloaded.read_bytes()).hexdigest()
        expect(result).to_contain_text(digest)
        if screenshot_dir is not None:
            official.screenshot(path=str(screenshot_dir / "minutes-verify.png"), full_page=True)

    minutes = Minutes.objects.get(meeting=meeting)
    assert minutes.status == S.SIGNED
    assert minutes.sections[0]["text"] == opening
    assert downloaded.read_bytes() == bytes(minutes.pdf)
    assert [s.signer for s in minutes.signatures.order_by("signed_at")] == [secretary, chair]
    report = pdfsig(downloaded, keys.ca_pem, tmp_path)
    assert report.count("Signature Validation: Signature is Valid.") == 2, report
    assert report.count("Certificate Validation: Certificate is Trusted.") == 2, report
