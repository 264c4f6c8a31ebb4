"""Minutes benchmark: the minutes of a six-hour meeting drafted, rendered and signed twice.

    python bench/minutes.py [--items 100] [--votes 40] [--comments 300] [--members 27]

The record is built as plain data, shaped as `minutes.selectors.meeting_record` returns it (the
database read itself, eight queries, is not timed here): 100 agenda items with times, three
speakers each, 300 comments, 40 votes (30 roll calls with every member's name, 10 secret
ballots), a recusal every tenth item, and 27 members with absences and a substitute. Stages
timed: the draft's text, the PDF (ReportLab), the two empty signature fields, the secretary's
and the chair's PAdES signatures (pyHanko, 2048-bit RSA keys from a throw-away authority), and
our verification of the signed file. The baseline, in the same run: a plain ReportLab document
of the same number of pages in the same font (paragraphs only), and the ratio to it.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.utils import translation  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate  # noqa: E402

from minutes import draft, layout, pki, signing, verify  # noqa: E402

PASSPHRASE = b"bench"
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hải", "Khánh", "Linh", "Mai", "Nam", "Phúc"]
SENTENCE = (
    "Đề nghị cơ quan chủ trì tiếp thu ý kiến thành viên Chính phủ, hoàn thiện dự thảo và báo "
    "cáo Thủ tướng trước ngày 15 tháng 12. "
)


def record(items: int, votes: int, comments: int, members: int) -> dict[str, Any]:
    start = datetime.datetime(
        2026, 11, 20, 8, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=7))
    )
    names = [f"{FAMILY[i % 10]} Văn {GIVEN[i % 11]} {i}" for i in range(members)]
    people = [
        {"name": name, "title": f"Bộ trưởng {i}", "role": "member", "has_vote": True}
        for i, name in enumerate(names)
    ]
    slot = datetime.timedelta(hours=6) / items
    agenda = []
    for index in range(items):
        begin = start + slot * index
        polls = []
        if index % max(1, items // votes) == 0 and sum(len(a["polls"]) for a in agenda) < votes:
            secret = len(agenda) % 4 == 3
            polls.append(
                {
                    "question": f"Thông qua nội dung số {index + 1}",
                    "secrecy": "secret" if secret else "named",
                    "secret": secret,
                    "method": "yes_no",
                    "majority": "Đa số thành viên Chính phủ",
                    "opened_at": begin.isoformat(),
                    "closed_at": (begin + slot / 2).isoformat(),
                    "passed": True,
                    "explanation": "Thông qua: 20 trên 27 thành viên tán thành, quá nửa tổng số "
                    "thành viên (Điều 46).",
                    "counts": [
                        {"label": "Tán thành", "count": 20},
                        {"label": "Không tán thành", "count": 3},
                        {"label": "Không biểu quyết", "count": 2},
                    ],
                    "present": 25,
                    "members": members,
                    "roll_call": None
                    if secret
                    else [{"name": name, "vote": "Tán thành"} for name in names[:25]],
                }
            )
        agenda.append(
            {
                "id": index + 1,
                "number": str(index + 1),
                "depth": 0,
                "title": f"Dự thảo Nghị định quy định chi tiết số {index + 1}",
                "kind": "decision",
                "presenter": "Bộ Tư pháp",
                "status": "done",
                "started_at": begin.isoformat(),
                "ended_at": (begin + slot).isoformat(),
                "speakers": [
                    {
                        "name": names[(index + k) % members],
                        "kind": "speech",
                        "started_at": None,
                        "ended_at": None,
                    }
                    for k in range(3)
                ],
                "comments": [
                    {
                        "author": names[(index * 3 + k) % members],
                        "text": SENTENCE * 5,
                        "at": (begin + slot / 3).isoformat(),
                    }
                    for k in range(comments // items + (1 if index < comments % items else 0))
                ],
                "recusals": [{"name": names[index % members], "reason": "Liên quan"}]
                if index % 10 == 0
                else [],
                "polls": polls,
            }
        )
    return {
        "body": "Chính phủ",
        "rules_reference": "Điều 46 Luật Tổ chức Chính phủ",
        "meeting": {
            "id": 1,
            "title": "Phiên họp Chính phủ thường kỳ tháng 11 năm 2026",
            "kind": "regular",
            "place": "Hội trường Chính phủ",
            "starts_at": start.isoformat(),
            "started_at": start.isoformat(),
            "closed_at": (start + datetime.timedelta(hours=6)).isoformat(),
            "adjourned_at": None,
        },
        "chair": "Trần Quang Minh",
        "chair_title": "Thủ tướng",
        "secretary": "Lý Thu Hương",
        "secretary_title": "Thư ký",
        "attendance": {
            "present": [{**p, "arrived": None, "left": None} for p in people[:24]],
            "represented": [{**people[24], "substitute": "Phạm Văn Đức"}],
            "absent": [
                {**p, "status": "excused", "reason": "Đi công tác nước ngoài"} for p in people[25:]
            ],
        },
        "items": agenda,
    }


def baseline(pages: int) -> tuple[float, int]:
    """A plain document of `pages` pages of paragraphs in the same font."""
    layout.register_fonts(settings.PDF_FONT_DIR)
    style = ParagraphStyle("p", fontName=layout.FONT, fontSize=11, leading=15)
    story: list[Any] = []
    for page in range(pages):
        story += [Paragraph(SENTENCE * 3, style) for _ in range(12)]
        if page < pages - 1:
            story.append(PageBreak())
    started = time.perf_counter()
    import io

    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build(story)
    return time.perf_counter() - started, len(buffer.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--votes", type=int, default=40)
    parser.add_argument("--comments", type=int, default=300)
    parser.add_argument("--members", type=int, default=27)
    args = parser.parse_args()

    authority = pki.make_authority("Bench Root", "Bench")
    keys = {
        role: signing.load_key(
            pki.issue_signer_pkcs12(
                authority,
                common_name=name,
                organisation="Bench",
                email="b@example.org",
                passphrase=PASSPHRASE,
            ),
            PASSPHRASE.decode(),
        )
        for role, name in (("secretary", "Lý Thu Hương"), ("chair", "Trần Quang Minh"))
    }
    data = record(args.items, args.votes, args.comments, args.members)
    # Warm-up: font loading and imports, outside the timings.
    layout.register_fonts(settings.PDF_FONT_DIR)

    stages: list[tuple[str, float]] = []

    def timed(name: str, work: Any) -> Any:
        started = time.perf_counter()
        result = work()
        stages.append((name, time.perf_counter() - started))
        return result

    def write_draft() -> list[dict[str, str]]:
        with translation.override("vi"):
            return draft.draft_sections(data)

    sections = timed("draft (text from the record)", write_draft)
    document = layout.MinutesDocument(
        number="125/BB-CP",
        language="vi",
        record=data,
        sections=sections,
        place="Hà Nội",
        approved_at="2026-11-21T10:00:00+07:00",
        font_dir=settings.PDF_FONT_DIR,
    )
    rendered = timed("render (ReportLab)", lambda: layout.render(document))
    pdf = timed(
        "signature fields", lambda: signing.with_signature_fields(rendered.pdf, rendered.boxes)
    )
    for role in ("secretary", "chair"):
        pdf = timed(
            f"sign: {role}",
            lambda role=role, pdf=pdf: signing.sign(
                pdf,
                role=role,
                key=keys[role],
                reason="Ký biên bản",
                location="Hà Nội",
                title="",
                signed_at=datetime.datetime.now(datetime.UTC),
                font_file=settings.PDF_FONT_DIR / layout.FONT_FILES[layout.FONT],
            ),
        )
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pem") as ca:
        ca.write(authority.pem)
        ca.flush()
        roots = verify.load_trust_roots([ca.name])
    checks = timed("verify (both signatures)", lambda: verify.verify_pdf(pdf, roots))
    assert all(check.ok for check in checks), checks

    total = sum(seconds for _, seconds in stages)
    base_seconds, _ = baseline(rendered.pages)
    print(
        f"minutes: {args.items} items, {args.votes} votes, {args.comments} comments, "
        f"{args.members} members -> {rendered.pages} pages, {len(pdf) // 1024} KiB signed"
    )
    for name, seconds in stages:
        print(f"  {name:<32} {seconds * 1000:8.0f} ms")
    print(f"  {'total':<32} {total * 1000:8.0f} ms (target <= 5000 ms)")
    print(
        f"  baseline: plain {rendered.pages}-page ReportLab document, same font: "
        f"{base_seconds * 1000:.0f} ms"
    )
    render_seconds = dict(stages)["render (ReportLab)"]
    print(
        f"  render / baseline: {render_seconds / base_seconds:.1f}x; "
        f"total / baseline: {total / base_seconds:.1f}x"
    )


if __name__ == "__main__":
    main()
