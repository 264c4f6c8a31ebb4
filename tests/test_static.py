"""Static files. The style sheet parses as written: a rule left open swallows every rule after
it (the packet's list once showed the browser's own numbers before the agenda's, "3. 2.1
Scope"). Every page names the site's icon, so that no browser asks for a missing one."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse


def test_every_rule_of_the_style_sheet_is_closed() -> None:
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text()
    depth = 0
    for char in re.sub(r"/\*.*?\*/", "", css, flags=re.S):
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0, "a '}' closes nothing"
        # Rules sit at the top or inside an @media block: deeper, one was left open.
        assert depth <= 2, "a rule is opened inside another"
    assert depth == 0


def test_pages_name_their_icon_and_the_sites_root_icon_leads_to_it(
    client: Client, django_user_model: type[User]
) -> None:
    client.force_login(django_user_model.objects.create_user("reader"))
    page = client.get(reverse("meetings:my_meetings")).content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page)
    assert icon is not None
    static_path = icon.group(1).removeprefix(settings.STATIC_URL)
    assert (settings.BASE_DIR / "static" / static_path).is_file()
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == icon.group(1)
