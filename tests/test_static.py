"""The style sheet parses as written: a rule left open swallows every rule after it (the
packet's list once showed the browser's own numbers before the agenda's, "3. 2.1 Scope")."""

from __future__ import annotations

import re

from django.conf import settings


def test_every_rule_of_the_style_sheet_is_closed() -> None:
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text()
    depth = 0
    for char in re.sub(r"/\*.*?\*/", "", css, flags=re.S):
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0, "a '}' closes nothing"
        # Rules sit at the top or inside an @media block: deeper, one was left open.
        assert depth <= 2, "a rule is opened inside another"
    assert depth == 0
