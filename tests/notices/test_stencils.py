"""A batch of notices is drawn once and filled per notice (notices.stencils): what each notice
gets is exactly what the template draws for it alone."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notices import kinds
from notices.models import Notice
from notices.stencils import PK_MARK, TEXT_MARK, EmailStencil, NoticeStencil, Stencil
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Names that HTML escaping changes, in a language with marks of its own.
TRICKY = {"subject": 'Ngân sách <2027> & "dự phòng"', "deadline": "20/12/2026 17:00"}


@pytest.mark.parametrize("language", ["en", "vi"])
@pytest.mark.parametrize("read", [False, True])
def test_a_notice_filled_in_is_the_notice_drawn_alone(language: str, read: bool) -> None:
    notice = Notice.objects.create(
        recipient=UserFactory(),
        kind=kinds.CONSULTATION_REMINDER,
        params=TRICKY,
        key="consultation-1-reminder-72h",
        read_at=timezone.now() if read else None,
    )
    with translation.override(language):
        text = kinds.render(notice.kind, notice.params)
        alone = render_to_string("notices/_notice.html", {"notice": notice, "text": text})
        filled = NoticeStencil(read=read, created_at=notice.created_at).fill(
            pk=notice.pk, text=text
        )

    assert filled == alone
    assert "&lt;2027&gt; &amp; &quot;dự phòng&quot;" in filled


@pytest.mark.parametrize("url", ["https://meetings.example.org/my-tasks/", ""])
def test_an_email_filled_in_is_the_email_written_alone(url: str) -> None:
    text = kinds.render(kinds.CONSULTATION_REMINDER, TRICKY)
    with translation.override("vi"):
        alone = render_to_string(
            "notices/email.txt", {"name": "Nguyễn Văn <An>", "text": text, "url": url}
        )
        filled = EmailStencil(with_url=bool(url)).fill(name="Nguyễn Văn <An>", text=text, url=url)

    assert filled == alone
    assert "Nguyễn Văn <An>" in filled  # plain text: nothing escaped


def test_a_value_that_holds_a_marker_is_put_in_as_it_is() -> None:
    stencil = Stencil(
        f"<li id=notice-{PK_MARK}>{TEXT_MARK}</li>", {str(PK_MARK): "pk", TEXT_MARK: "text"}
    )

    assert stencil.fill({"pk": "7", "text": f"{TEXT_MARK} {PK_MARK}"}) == (
        f"<li id=notice-7>{TEXT_MARK} {PK_MARK}</li>"
    )
