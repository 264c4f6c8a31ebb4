"""A notice sent while a member has a page open: the bell's count and the inbox change in
place, without a reload, and a notice that arrived live opens like any other."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from notices.models import Notice
from tests.browser.chromium import TABLET, chromium
from tests.browser.test_live_regions import in_thread
from tests.factories import UserFactory
from tests.notices.test_live import remind
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
def test_the_bell_counts_a_new_notice_without_a_reload(running_server: RunningServer) -> None:
    member = UserFactory(username="member", email="member@example.org")
    set_server_password(member, PASSWORD)

    with chromium() as browser:
        page = log_in(browser, running_server, member, "/notices/")
        expect(page.get_by_text("You have no notices.")).to_be_visible()
        expect(page.locator("body")).to_have_attribute("data-notices-socket", "open")
        # Marks the page: a reload would lose it.
        page.evaluate("window.notReloaded = true")

        in_thread(remind, member)

        expect(page.get_by_role("link", name="Notices: 1 unread")).to_be_visible()
        expect(page.locator(".notices-count")).to_have_text("1")
        expect(page.get_by_text("You have no notices.")).to_be_hidden()
        live = page.get_by_role("button", name=re.compile("You have not yet answered"))
        expect(live).to_be_visible()
        assert page.evaluate("window.notReloaded") is True

        live.click()  # it carries this page's form token
        expect(page).to_have_url(re.compile(r"/bodies/1/consultations/1/answer/$"))
        assert in_thread(lambda: Notice.objects.get(recipient=member).read_at) is not None
