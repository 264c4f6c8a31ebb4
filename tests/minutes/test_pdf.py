"""The PDF: Vietnamese text that survives extraction, metadata, page numbers, and signatures
that poppler's pdfsig (an independent verifier) and ours both accept, until a byte changes."""

from __future__ import annotations

import datetime
import io
import subprocess
from pathlib import Path

import pikepdf
import pytest
from django.conf import settings
from django.utils import translation

from meetings import services as meeting_services
from meetings.models import Attendance, Meeting
from minutes import draft, layout, verify
from tests.conftest import Personas
from tests.minutes.conftest import Held, Keys, approved, drafted, hold_meeting, signed

RECORD = {
    "body": "Chính phủ",
    "rules_reference": "",
    "meeting": {
        "id": 1,
        "title": "Phiên họp Chính phủ thường kỳ tháng 11",
        "kind": "regular",
        "place": "Hội trường Chính phủ",
        "starts_at": "2026-02-05T08:00:00+07:00",
        "started_at": "2026-02-05T08:02:00+07:00",
        "closed_at": "2026-02-05T11:30:00+07:00",
        "adjourned_at": None,
    },
    "chair": "Trần Quang Minh",
    "chair_title": "Thủ tướng",
    "secretary": "Lý Thu Hương",
    "secretary_title": "",
    "attendance": {
        "present": [
            {
                "name": "Nguyễn Văn An",
                "title": "Bộ trưởng Bộ Tài chính",
                "role": "member",
                "has_vote": True,
                "arrived": None,
                "left": None,
            },
        ],
        "represented": [],
        "absent": [
            {
                "name": "Võ Thanh Tâm",
                "title": "Phó Thủ tướng",
                "role": "vice_chair",
                "has_vote": True,
                "status": "excused",
                "reason": "Đi công tác nước ngoài",
            },
        ],
    },
    "items": [
        {
            "id": 7,
            "number": "1",
            "depth": 0,
            "title": "Dự thảo Nghị định về Chính phủ số",
            "kind": "decision",
            "presenter": "Bộ Tư pháp",
            "status": "done",
            "started_at": "2026-02-05T08:10:00+07:00",
            "ended_at": "2026-02-05T09:05:00+07:00",
            "speakers": [],
            "comments": [],
            "recusals": [],
            "polls": [
                {
                    "question": "Thông qua dự thảo",
                    "secrecy": "named",
                    "secret": False,
                    "method": "yes_no",
                    "majority": "Đa số",
                    "opened_at": None,
                    "closed_at": None,
                    "passed": True,
                    "explanation": "14/27",
                    "counts": [{"label": "Có", "count": 1}],
                    "present": 1,
                    "members": 2,
                    "roll_call": [{"name": "Nguyễn Văn An", "vote": "Tán thành"}],
                },
            ],
        }
    ],
}


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "minutes.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def document(**changes: object) -> layout.MinutesDocument:
    with translation.override("vi"):
        sections = draft.draft_sections(RECORD)
    sections[0]["text"] = "Thủ tướng Trần Quang Minh chủ trì phiên họp."
    values: dict = {
        "number": "12/BB-CP",
        "language": "vi",
        "record": RECORD,
        "sections": sections,
        "place": "Hà Nội",
        "font_dir": settings.PDF_FONT_DIR,
    }
    values.update(changes)
    return layout.MinutesDocument(**values)


def test_the_vietnamese_text_survives_pdftotext(tmp_path: Path) -> None:
    rendered = layout.render(document())
    text = text_of(rendered.pdf, tmp_path)
    for expected in (
        "CHÍNH PHỦ",
        "Số: 12/BB-CP",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Hà Nội, ngày 05 tháng 02 năm 2026",
        "BIÊN BẢN",
        "Thủ tướng Trần Quang Minh chủ trì phiên họp.",
        "Dự thảo Nghị định về Chính phủ số",
        "Đi công tác nước ngoài",
        "Tán thành",
        "THƯ KÝ",
        "CHỦ TỌA",
        "I. Khai mạc",
        "II. Điểm danh",
        "III. Nội dung cuộc họp",
        "IV. Kết luận",
        "Nơi nhận:",
        "- Lưu: VT.",
    ):
        assert expected in text, expected
    assert set(rendered.boxes) == {"secretary", "chair"}


def test_page_numbers_and_metadata(tmp_path: Path) -> None:
    many = [
        {"key": f"s{i}", "title": f"Mục {i}", "text": "Nội dung biên bản. " * 80} for i in range(12)
    ]
    rendered = layout.render(document(sections=many))
    assert rendered.pages > 3
    pages = text_of(rendered.pdf, tmp_path).split("\f")
    # Decree 30: numbered from the second page, centred at the top.
    assert "Trang" not in pages[0]
    for number in range(2, rendered.pages + 1):
        assert pages[number - 1].split("\n")[0].strip() == f"Trang {number}"
    # The signature boxes are on the last page.
    assert rendered.boxes["chair"]["page"] == rendered.pages - 1
    info = subprocess.run(
        ["pdfinfo", "-"], input=rendered.pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "Title:           BIÊN BẢN 12/BB-CP: Phiên họp Chính phủ thường kỳ tháng 11" in info
    assert "Author:          Lý Thu Hương" in info
    assert "Subject:" in info and "Chính phủ" in info


def test_a_missing_font_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(layout.FontMissing, match="PDF_FONT_DIR"):
        layout.render(document(font_dir=tmp_path))


def test_a_missing_font_is_reported_at_start_up(tmp_path: Path, settings) -> None:
    from minutes.checks import font_present

    assert font_present() == []
    settings.PDF_FONT_DIR = tmp_path
    (error,) = font_present()
    assert error.id == "minutes.E001"
    assert "LiberationSerif-Regular.ttf" in error.msg and "PDF_FONT_DIR" in error.hint


def test_vietnamese_dates_pad_early_days_and_months() -> None:
    import datetime

    assert layout.vietnamese_date("Hà Nội", datetime.date(2026, 2, 5)) == (
        "Hà Nội, ngày 05 tháng 02 năm 2026"
    )
    assert layout.vietnamese_date("Hà Nội", datetime.date(2026, 11, 22)) == (
        "Hà Nội, ngày 22 tháng 11 năm 2026"
    )


def pdfsig(pdf: Path, ca_pem: Path, tmp_path: Path) -> str:
    nss = tmp_path / "nss"
    nss.mkdir(exist_ok=True)
    if not (nss / "cert9.db").exists():
        subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
        subprocess.run(
            ["certutil", "-A", "-d", f"sql:{nss}", "-n", "root", "-t", "CT,C,C", "-i", str(ca_pem)],
            check=True,
        )
    return subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(pdf)], capture_output=True, text=True
    ).stdout


def test_both_signatures_verify_in_pdfsig_and_in_ours(
    government: Personas, held: Held, keys: Keys, tmp_path: Path
) -> None:
    minutes = signed(government, held, keys)
    pdf = bytes(minutes.pdf)
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    report = pdfsig(path, keys.ca_pem, tmp_path)
    assert report.count("Signature Validation: Signature is Valid.") == 2, report
    assert report.count("Certificate Validation: Certificate is Trusted.") == 2, report
    assert report.count("Signature Type: ETSI.CAdES.detached") == 2, report
    assert "Signature Field Name: SecretarySignature" in report
    assert "Signature Field Name: ChairSignature" in report
    checks = verify.verify_pdf(pdf, verify.load_trust_roots([keys.ca_pem]))
    assert [(c.signer, c.valid, c.trusted, c.ok) for c in checks] == [
        ("Lý Thu Hương", True, True, True),
        ("Trần Quang Minh", True, True, True),
    ]
    assert [c.whole_document for c in checks] == [False, True]
    assert checks[0].later_changes_allowed
    assert "BIÊN BẢN" in text_of(pdf, tmp_path)


def test_one_flipped_byte_fails_in_pdfsig_and_in_ours(
    government: Personas, held: Held, keys: Keys, tmp_path: Path
) -> None:
    pdf = bytearray(bytes(signed(government, held, keys).pdf))
    # A byte inside the first page's content stream: inside both signatures' signed ranges.
    position = pdf.index(b"stream", 1000) + 40
    pdf[position] ^= 0x01
    path = tmp_path / "tampered.pdf"
    path.write_bytes(bytes(pdf))
    report = pdfsig(path, keys.ca_pem, tmp_path)
    assert "Signature is Valid" not in report, report
    assert report.count("Digest Mismatch") == 2, report
    checks = verify.verify_pdf(bytes(pdf), verify.load_trust_roots([keys.ca_pem]))
    assert len(checks) == 2
    assert not any(c.valid or c.ok for c in checks)


def test_an_approved_pdf_has_two_empty_fields_and_no_signature(
    government: Personas, held: Held
) -> None:
    minutes = approved(government, held)
    with pytest.raises(verify.VerificationError, match="no signature"):
        verify.verify_pdf(bytes(minutes.pdf), [])
    assert bytes(minutes.pdf).count(b"/FT /Sig") == 2


def test_the_serif_font_is_embedded(tmp_path: Path) -> None:
    path = tmp_path / "minutes.pdf"
    path.write_bytes(layout.render(document()).pdf)
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, check=True, text=True
    ).stdout.splitlines()[2:]
    # name, type, encoding, then "emb sub uni" and the object id.
    embedded = {line.split()[0].split("+")[-1] for line in fonts if line.split()[-5] == "yes"}
    assert embedded == {
        "LiberationSerif",
        "LiberationSerif-Bold",
        "LiberationSerif-Italic",
        "LiberationSerif-BoldItalic",
    }


def test_sub_items_sit_under_their_item_and_there_is_one_conclusions_part(
    tmp_path: Path,
) -> None:
    item = RECORD["items"][0]
    items = [
        {**item, "id": 1, "number": "1", "depth": 0, "title": "Ngân sách", "polls": []},
        {**item, "id": 2, "number": "2", "depth": 0, "title": "Dự thảo luật", "polls": []},
        {**item, "id": 3, "number": "2.1", "depth": 1, "title": "Phạm vi", "polls": []},
        {**item, "id": 4, "number": "2.2", "depth": 1, "title": "Hiệu lực", "polls": []},
    ]
    record = {**RECORD, "items": items, "actions": []}
    with translation.override("vi"):
        sections = draft.draft_sections(record)
    text = text_of(layout.render(document(record=record, sections=sections)).pdf, tmp_path)
    lines = [line.strip() for line in text.splitlines()]
    headings = [line for line in lines if line[:2] in {"I.", "II", "IV", "V.", "VI"}]
    assert headings == ["I. Khai mạc", "II. Điểm danh", "III. Nội dung cuộc họp", "IV. Kết luận"]
    assert (
        lines.index("2. Dự thảo luật") < lines.index("2.1. Phạm vi") < lines.index("2.2. Hiệu lực")
    )
    assert "Kết luận và nhiệm vụ" not in text


def stamp_text(pdf: bytes, field: str) -> str:
    """The lines of a visible signature's stamp, as its marked content states them
    (/ActualText, which text extraction and screen readers use; pdftotext does not read
    annotation appearances)."""
    lines: list[str] = []

    def walk(xobject: pikepdf.Object) -> None:
        for operands, operator in pikepdf.parse_content_stream(xobject):
            if str(operator) == "BDC" and "/ActualText" in operands[1]:
                lines.append(str(operands[1].ActualText))
        resources = xobject.get("/Resources", pikepdf.Dictionary())
        for inner in resources.get("/XObject", pikepdf.Dictionary()).values():
            walk(inner)

    with pikepdf.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            for annotation in page.get("/Annots", []):
                if str(annotation.get("/T", "")) == field:
                    walk(annotation.AP.N)
    return "\n".join(lines)


def test_the_stamp_draws_every_letter_with_the_embedded_serif(
    government: Personas, held: Held, keys: Keys
) -> None:
    """The glyphs, not only the text layer: the stamp's font is the embedded Liberation Serif,
    which has every Vietnamese letter."""
    pdf = bytes(signed(government, held, keys).pdf)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        names = set()
        for page in document.pages:
            for annotation in page.get("/Annots", []):
                stack = [annotation.AP.N]
                while stack:
                    xobject = stack.pop()
                    resources = xobject.get("/Resources", pikepdf.Dictionary())
                    for font in resources.get("/Font", pikepdf.Dictionary()).values():
                        descendant = font.DescendantFonts[0]
                        assert "/FontFile2" in descendant.FontDescriptor
                        names.add(str(font.BaseFont).split("+")[-1])
                    stack += list(resources.get("/XObject", pikepdf.Dictionary()).values())
    assert names == {"LiberationSerif-Identity-H"}


FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thanh", "Quốc"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Khánh", "Long", "Nam", "Phúc", "Sơn"]


def in_vietnamese(government: Personas, meeting: Meeting) -> None:
    """The Government as the README shows it: its record in Vietnamese, Vietnamese names and
    titles (the personas' are English)."""
    body = government.body
    body.name, body.language = "Chính phủ", "vi"
    body.save()
    Meeting.objects.filter(pk=meeting.pk).update(
        title="Phiên họp Chính phủ thường kỳ tháng 12", place="Phòng họp Chính phủ"
    )
    meeting.refresh_from_db()
    people = [
        (government.chair, "Trần Quang", "Minh", "Thủ tướng Chính phủ"),
        (government.secretary, "Lý Thu", "Hương", "Bộ trưởng, Chủ nhiệm Văn phòng Chính phủ"),
    ]
    for index, user in enumerate([*government.vice_chairs, *government.members]):
        family = f"{FAMILY[index % len(FAMILY)]} {MIDDLE[index % len(MIDDLE)]}"
        title = "Phó Thủ tướng Chính phủ" if index < len(government.vice_chairs) else "Bộ trưởng"
        people.append((user, family, GIVEN[index % len(GIVEN)], title))
    for user, family, given, title in people:
        # Family name first, as Vietnamese names are written (get_full_name puts the first
        # name first).
        user.first_name, user.last_name = f"{family} {given}", ""
        user.save()
        Attendance.objects.filter(meeting=meeting, user=user).update(title=title)


@pytest.mark.screenshot
def test_vietnamese_minutes_of_a_vietnamese_body_signed_by_both(
    government: Personas,
    meeting: Meeting,
    keys: Keys,
    tmp_path: Path,
    screenshot_dir: Path | None,
) -> None:
    """A Government keeping its record in Vietnamese: the minutes come out in Vietnamese
    (whatever the site's language), laid out as Decree 30 asks, with a corrected attendance,
    and both visible signatures name their signers with every diacritic."""
    in_vietnamese(government, meeting)
    held = hold_meeting(government, meeting)
    forgot = government.voters[22]
    meeting_services.attendance_record(
        actor=government.secretary,
        attendance=Attendance.objects.get(meeting=meeting, user=forgot),
        status=Attendance.Status.PRESENT,
        explanation="Có mặt nhưng quên điểm danh.",
    )
    minutes = drafted(held)
    assert minutes.language == "vi"
    minutes = signed(government, held, keys)
    pdf = bytes(minutes.pdf)
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    text = " ".join(text_of(pdf, tmp_path).split())
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "CHÍNH PHỦ",
        "Số: 1/BB-CP",
        "Phiên họp Chính phủ thường kỳ tháng 12",
        "Thủ tướng Chính phủ",
        "BIÊN BẢN",
        "I. Khai mạc",
        "II. Điểm danh",
        "III. Nội dung cuộc họp",
        "Kết luận",
        "21 trên 27 thành viên có quyền biểu quyết có mặt.",
        f"Điểm danh của {forgot.get_full_name()} được {government.secretary.get_full_name()}"
        " điều chỉnh",
        "Lý do: Có mặt nhưng quên điểm danh.",
        "Vắng có phép Chức danh Lý do",
        "Trang 2",
        "THƯ KÝ",
        "CHỦ TỌA",
        "Nơi nhận:",
    ):
        assert expected in text, expected
    assert "Minutes" not in text and "Attendance" not in text
    report = pdfsig(path, keys.ca_pem, tmp_path)
    assert report.count("Signature Validation: Signature is Valid.") == 2, report
    assert report.count("Certificate Validation: Certificate is Trusted.") == 2, report
    secretary = stamp_text(pdf, "SecretarySignature").splitlines()
    chair = stamp_text(pdf, "ChairSignature").splitlines()
    assert secretary[:2] == ["Lý Thu Hương", "Bộ trưởng, Chủ nhiệm Văn phòng Chính phủ"]
    assert chair[:2] == ["Trần Quang Minh", "Thủ tướng Chính phủ"]
    for stamp in (secretary, chair):
        signed_at = datetime.datetime.fromisoformat(stamp[2])
        assert signed_at.utcoffset() == datetime.timedelta(hours=7)
    if screenshot_dir is not None:
        # The README's picture of the minutes: the first page, as a reader's viewer draws it.
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                "1",
                "-singlefile",
                str(path),
                str(screenshot_dir / "minutes-vietnamese"),
            ],
            check=True,
        )
