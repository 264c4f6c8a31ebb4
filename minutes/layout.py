"""The minutes as a PDF: one pure function from plain data to bytes, with ReportLab platypus.

Laid out as Decree 30/2020/ND-CP on administrative documents asks: A4 with margins of 20 mm
top and bottom, 30 mm left and 15 mm right; a serif font metric-compatible with Times New Roman
that draws Vietnamese (Liberation Serif, shipped in fonts/), the body at 13 pt; the issuing body
and the number and symbol on the left, the national name and motto, underlined, and the place
and date in italics on the right; the title "BIÊN BẢN" and the summary; page numbers centred at
the top from page 2; the signers' positions, signatures and names; the recipients ("Nơi
nhận") at the foot. The national name and motto are fixed Vietnamese text by law and never
translated; everything else follows the language the minutes were drafted in (the body's).

The last page reserves two boxes for the visible signatures (the secretary's on the left, the
chair's on the right); `render` reports where they landed so that the signature fields can be
created exactly there.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from core import dates
from minutes.draft import action_rows, clock, correction_line, day, outcome_word

FONT = "MinutesSerif"
FONT_BOLD = "MinutesSerif-Bold"
FONT_ITALIC = "MinutesSerif-Italic"
FONT_BOLD_ITALIC = "MinutesSerif-BoldItalic"
FONT_FILES = {
    FONT: "LiberationSerif-Regular.ttf",
    FONT_BOLD: "LiberationSerif-Bold.ttf",
    FONT_ITALIC: "LiberationSerif-Italic.ttf",
    FONT_BOLD_ITALIC: "LiberationSerif-BoldItalic.ttf",
}
SIGNATURE_BOX = (70 * mm, 28 * mm)
MARGIN = 20 * mm  # top and bottom
LEFT_MARGIN = 30 * mm
RIGHT_MARGIN = 15 * mm
WIDTH = A4[0] - LEFT_MARGIN - RIGHT_MARGIN

# The fixed Vietnamese of the heading block (not translated).
MOTTO_1 = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_2 = "Độc lập - Tự do - Hạnh phúc"
TITLE = "BIÊN BẢN"


class FontMissing(ImproperlyConfigured):
    pass


@dataclass(frozen=True)
class MinutesDocument:
    """Everything the PDF shows, as plain data."""

    number: str
    language: str
    record: dict[str, Any]
    sections: list[dict[str, str]]
    place: str
    font_dir: Path
    approved_as_corrected: bool = False
    approved_at: str | None = None
    corrects: str | None = None


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    # role -> {"page": index from 0, "box": [x1, y1, x2, y2]} in PDF points.
    boxes: dict[str, dict[str, Any]] = field(default_factory=dict)


_registered: dict[str, Path] = {}


def register_fonts(font_dir: Path) -> None:
    """Register Liberation Serif (it covers Vietnamese; ReportLab's Times-Roman does not)."""
    for name, filename in FONT_FILES.items():
        path = Path(font_dir) / filename
        if _registered.get(name) == path:
            continue
        if not path.is_file():
            raise FontMissing(
                f"The minutes need the font {path}. Set PDF_FONT_DIR to a folder holding "
                f"{', '.join(FONT_FILES.values())} (the project ships them in fonts/)."
            )
        pdfmetrics.registerFont(TTFont(name, str(path)))
        _registered[name] = path


def vietnamese_date(place: str, date: datetime.date) -> str:
    """ "Hà Nội, ngày 05 tháng 02 năm 2026": days below 10 and months below 3 take a 0."""
    return f"{place}, {dates.official_day(date)}"


def written_date(date: datetime.date, language: str) -> str:
    """A date as the text of the minutes writes it: "ngày 05 tháng 02 năm 2026" in Vietnamese
    (Decree 30's form), "5 February 2026" otherwise."""
    if language == "vi":
        return dates.official_day(date)
    return dates.day(date, language)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "base", fontName=FONT, fontSize=13, leading=17, alignment=TA_JUSTIFY, spaceAfter=3
    )
    heading = ParagraphStyle(
        "heading", parent=base, fontName=FONT_BOLD, spaceBefore=8, spaceAfter=4, alignment=0
    )
    cell = ParagraphStyle("cell", parent=base, fontSize=11, leading=13.5, alignment=0, spaceAfter=0)
    return {
        "body": ParagraphStyle("body", parent=base, firstLineIndent=10 * mm),
        "small": ParagraphStyle("small", parent=base, fontSize=11, leading=14),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER, spaceAfter=0),
        "center_bold": ParagraphStyle(
            "center_bold", parent=base, fontName=FONT_BOLD, alignment=TA_CENTER, spaceAfter=0
        ),
        "center_italic": ParagraphStyle(
            "center_italic", parent=base, fontName=FONT_ITALIC, alignment=TA_CENTER, spaceAfter=0
        ),
        "national": ParagraphStyle(
            "national", parent=base, fontName=FONT_BOLD, fontSize=12, alignment=TA_CENTER
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontName=FONT_BOLD, fontSize=14, leading=19, alignment=TA_CENTER
        ),
        "heading": heading,
        "item": ParagraphStyle("item", parent=heading, fontSize=13, leftIndent=0),
        "subitem": ParagraphStyle(
            "subitem", parent=heading, fontName=FONT_BOLD, leftIndent=6 * mm, spaceBefore=4
        ),
        "recipients_title": ParagraphStyle(
            "recipients_title", parent=base, fontName=FONT_BOLD_ITALIC, fontSize=12, alignment=0
        ),
        "recipients": ParagraphStyle(
            "recipients", parent=base, fontSize=11, leading=13, alignment=0, spaceAfter=0
        ),
        "cell": cell,
        "cell_bold": ParagraphStyle("cell_bold", parent=cell, fontName=FONT_BOLD),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


class SignatureSlot(Flowable):
    """An empty framed box where a visible signature goes; remembers where it was drawn."""

    def __init__(self, role: str, boxes: dict[str, dict[str, Any]]) -> None:
        super().__init__()
        self.role = role
        self.boxes = boxes
        self.width, self.height = SIGNATURE_BOX

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setStrokeColor(colors.lightgrey)
        canvas.setDash(2, 2)
        canvas.rect(0, 0, self.width, self.height)
        canvas.restoreState()
        x, y = canvas.absolutePosition(0, 0)
        self.boxes[self.role] = {
            "page": canvas.getPageNumber() - 1,
            "box": [int(x), int(y), int(x + self.width), int(y + self.height)],
        }


def _page_counter(total_holder: list[int]) -> type[Canvas]:
    class NumberedCanvas(Canvas):
        """Numbers the pages from the second, centred at the top ("Trang 2"), once the number
        of pages is known."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802  (ReportLab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            total_holder.append(total)
            for state in self._pages:
                self.__dict__.update(state)
                if self._pageNumber > 1:
                    self.setFont(FONT, 13)
                    self.drawCentredString(
                        LEFT_MARGIN + WIDTH / 2,
                        A4[1] - 13 * mm,
                        _("Page %(page)d") % {"page": self._pageNumber},
                    )
                super().showPage()
            super().save()

    return NumberedCanvas


def _heading(document: MinutesDocument, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    record = document.record
    meeting_day = day(record["meeting"]["started_at"] or record["meeting"]["starts_at"])
    assert meeting_day is not None
    left = [
        _p(record["body"].upper(), styles["national"]),
        _rule("35%"),
        _p(f"Số: {document.number}", styles["center"]),
    ]
    right = [
        _p(MOTTO_1, styles["national"]),
        _p(MOTTO_2, styles["center_bold"]),
        _rule("62%"),
        _p(vietnamese_date(document.place, meeting_day), styles["center_italic"]),
    ]
    table = Table([[left, right]], colWidths=[62 * mm, WIDTH - 62 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    flow: list[Flowable] = [table, Spacer(1, 10 * mm), _p(TITLE, styles["title"])]
    flow.append(_p(record["meeting"]["title"], styles["center_bold"]))
    if document.corrects:
        flow.append(
            _p(
                _("Correction of the minutes no. %(number)s") % {"number": document.corrects},
                styles["center"],
            )
        )
    flow.append(Spacer(1, 6 * mm))
    return flow


def _rule(width: str) -> HRFlowable:
    """The solid line under the issuing body and under the motto."""
    return HRFlowable(
        width=width, thickness=0.6, color=colors.black, spaceBefore=1, spaceAfter=3, hAlign="CENTER"
    )


def _table(rows: list[list[Any]], widths: list[float], header: bool = True) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), FONT),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke))
    table.setStyle(TableStyle(style))
    return table


def _attendance(record: dict[str, Any], styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    cell, bold = styles["cell"], styles["cell_bold"]
    width = WIDTH
    attendance = record["attendance"]
    flow: list[Flowable] = []
    position = pgettext("position", "Title")
    if attendance["present"]:
        rows: list[list[Any]] = [[_p(_("Present"), bold), _p(position, bold), _p("", bold)]]
        for row in attendance["present"]:
            notes = [_("remote")] if row.get("remote") else []
            if row.get("left"):
                notes.append(_("left at %(time)s") % {"time": clock(row["left"])})
            note = ", ".join(notes)
            rows.append([_p(row["name"], cell), _p(row["title"], cell), _p(note, cell)])
        flow += [_table(rows, [0.4 * width, 0.4 * width, 0.2 * width]), Spacer(1, 3 * mm)]
    if attendance["represented"]:
        rows = [[_p(_("Represented"), bold), _p(position, bold), _p(_("Substitute"), bold)]]
        for row in attendance["represented"]:
            rows.append(
                [_p(row["name"], cell), _p(row["title"], cell), _p(row["substitute"], cell)]
            )
        flow += [_table(rows, [0.35 * width, 0.35 * width, 0.3 * width]), Spacer(1, 3 * mm)]
    if attendance.get("excused"):
        rows = [[_p(_("Excused"), bold), _p(position, bold), _p(_("Reason"), bold)]]
        for row in attendance["excused"]:
            rows.append([_p(row["name"], cell), _p(row["title"], cell), _p(row["reason"], cell)])
        flow += [_table(rows, [0.35 * width, 0.35 * width, 0.3 * width]), Spacer(1, 3 * mm)]
    if attendance["absent"]:
        rows = [[_p(_("Absent"), bold), _p(position, bold), _p(_("Reason"), bold)]]
        for row in attendance["absent"]:
            reason = row["reason"] or (
                _("excused") if row["status"] == "excused" else _("no reason given")
            )
            rows.append([_p(row["name"], cell), _p(row["title"], cell), _p(reason, cell)])
        flow += [_table(rows, [0.35 * width, 0.35 * width, 0.3 * width]), Spacer(1, 3 * mm)]
    flow += [_p(correction_line(row), cell) for row in record.get("attendance_corrections", [])]
    return flow


def _poll(poll: dict[str, Any], styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    cell, bold = styles["cell"], styles["cell_bold"]
    width = WIDTH
    kind = _("Secret ballot") if poll["secret"] else _("Roll call")
    outcome = outcome_word(poll)
    rows: list[list[Any]] = [
        [_p(_("Vote"), bold), _p(poll["question"], bold)],
        [_p(_("Ballot"), cell), _p(kind, cell)],
        [_p(_("Majority"), cell), _p(poll["majority"], cell)],
        [
            _p(_("Result"), cell),
            _p("; ".join(f"{row['label']}: {row['count']}" for row in poll["counts"]), cell),
        ],
        [_p(_("Outcome"), cell), _p(f"{outcome}. {poll['explanation']}", cell)],
    ]
    flow: list[Flowable] = [_table(rows, [0.22 * width, 0.78 * width], header=False)]
    if poll["roll_call"]:
        names: list[list[Any]] = [[_p(_("Member"), bold), _p(_("Vote"), bold)]]
        names += [[_p(row["name"], cell), _p(row["vote"], cell)] for row in poll["roll_call"]]
        flow += [Spacer(1, 1.5 * mm), _table(names, [0.6 * width, 0.4 * width])]
    elif poll["secret"]:
        flow.append(_p(_("Secret ballot: who voted how is not recorded."), styles["small"]))
    flow.append(Spacer(1, 3 * mm))
    return flow


def _consultation(
    consultation: dict[str, Any], styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    """A linked written-opinion poll's figures per question, counted against all recipients."""
    cell, bold = styles["cell"], styles["cell_bold"]
    width = WIDTH
    rows: list[list[Any]] = [
        [
            _p(_("Question"), bold),
            _p(_("Agree"), bold),
            _p(_("Disagree"), bold),
            _p(_("Comment only"), bold),
            _p(_("Not answered"), bold),
            _p(_("Outcome"), bold),
        ]
    ]
    for question in consultation["questions"]:
        outcome = _("Adopted") if question["passed"] else _("Not adopted")
        rows.append(
            [
                _p(question["text"], cell),
                *(
                    _p(str(question[key]), cell)
                    for key in ("agree", "disagree", "comment_only", "unanswered")
                ),
                _p(f"{outcome}. {question['explanation']}", cell),
            ]
        )
    small = 0.1 * width
    flow: list[Flowable] = [
        _table(rows, [0.28 * width, small, small, small, small, 0.32 * width]),
        _p(
            _("Members asked: %(members)d.") % {"members": consultation["members"]},
            styles["small"],
        ),
        Spacer(1, 3 * mm),
    ]
    return flow


def _actions(document: MinutesDocument, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    """The tasks the meeting gave out, as a table under the conclusions."""
    rows = action_rows(document.record)
    if not rows:
        return []
    cell, bold = styles["cell"], styles["cell_bold"]
    width = WIDTH
    table: list[list[Any]] = [[_p(_("Task"), bold), _p(_("Assigned to"), bold), _p(_("Due"), bold)]]
    table += [[_p(text, cell), _p(who, cell), _p(due, cell)] for text, who, due in rows]
    return [Spacer(1, 2 * mm), _table(table, [0.55 * width, 0.3 * width, 0.15 * width])]


def _signatures(
    document: MinutesDocument, styles: dict[str, ParagraphStyle], boxes: dict[str, Any]
) -> Flowable:
    """The signers' positions, the boxes their visible signatures fill, their names and titles
    (the stamp in the box repeats the name with the signing time)."""
    record = document.record
    cells = []
    for role, label, name, title in (
        ("secretary", _("SECRETARY"), record["secretary"], record.get("secretary_title", "")),
        ("chair", _("CHAIR"), record["chair"], record.get("chair_title", "")),
    ):
        cells.append(
            [
                _p(label, styles["center_bold"]),
                SignatureSlot(role, boxes),
                _p(name, styles["center_bold"]),
                _p(title, styles["center"]),
            ]
        )
    table = Table([cells], colWidths=[WIDTH / 2, WIDTH / 2])
    table.setStyle(
        TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER"), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    return KeepTogether([Spacer(1, 8 * mm), table])


def _recipients(document: MinutesDocument, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    """ "Nơi nhận": who receives the minutes, and the copy kept on file."""
    return [
        Spacer(1, 6 * mm),
        _p(_("Recipients:"), styles["recipients_title"]),
        _p(
            _("- Members of %(body)s;") % {"body": document.record["body"]},
            styles["recipients"],
        ),
        _p(_("- Filed: records office."), styles["recipients"]),
    ]


def story(document: MinutesDocument, boxes: dict[str, Any]) -> list[Flowable]:
    """Parts numbered I, II, III...; the agenda's items together in one part, numbered and
    nested as on the agenda (2, 2.1, 2.2); the tasks under the conclusions."""
    styles = _styles()
    flow = _heading(document, styles)
    items = {f"item-{item['id']}": item for item in document.record["items"]}
    consultations = {
        f"consultation-{row['id']}": row for row in document.record.get("consultations", [])
    }
    part = 0
    in_items = False
    actions_shown = False
    for section in document.sections:
        item = items.get(section["key"])
        if item is not None:
            if not in_items:
                part += 1
                title = _("Proceedings")
                flow.append(_p(f"{_roman(part)}. {title}", styles["heading"]))
                in_items = True
            style = styles["item"] if item["depth"] == 0 else styles["subitem"]
            heading = _p(section["title"], style)
        else:
            in_items = False
            part += 1
            heading = _p(f"{_roman(part)}. {section['title']}", styles["heading"])
        body = [_p(line, styles["body"]) for line in section["text"].split("\n") if line.strip()]
        flow.append(KeepTogether([heading, *body[:1]]))
        flow += body[1:]
        if section["key"] == "attendance":
            flow += [Spacer(1, 2 * mm), *_attendance(document.record, styles)]
        if item is not None:
            for poll in item["polls"]:
                flow += [Spacer(1, 2 * mm), *_poll(poll, styles)]
        consultation = consultations.get(section["key"])
        if consultation is not None:
            flow += [Spacer(1, 2 * mm), *_consultation(consultation, styles)]
        if section["key"] == "conclusions":
            flow += _actions(document, styles)
            actions_shown = True
    if not actions_shown and action_rows(document.record):
        # Minutes whose conclusions section was removed still list their tasks.
        part += 1
        title = _("Tasks")
        flow.append(_p(f"{_roman(part)}. {title}", styles["heading"]))
        flow += _actions(document, styles)
    if document.approved_at:
        approved = day(document.approved_at)
        text = (
            _("Approved as corrected on %(date)s.")
            if document.approved_as_corrected
            else _("Approved on %(date)s.")
        ) % {"date": written_date(approved, document.language) if approved else ""}
        flow += [Spacer(1, 4 * mm), _p(text, styles["body"])]
    flow.append(_signatures(document, styles, boxes))
    flow += _recipients(document, styles)
    return flow


def _roman(number: int) -> str:
    numerals = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC")]
    numerals += [(50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    result = ""
    for value, letters in numerals:
        while number >= value:
            result += letters
            number -= value
    return result


def render(document: MinutesDocument) -> Rendered:
    """The PDF of the minutes, and where its two signature boxes are."""
    register_fonts(document.font_dir)
    with translation.override(document.language):
        buffer = io.BytesIO()
        record = document.record
        pdf = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=LEFT_MARGIN,
            rightMargin=RIGHT_MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=f"{TITLE} {document.number}: {record['meeting']['title']}",
            author=record["secretary"] or record["body"],
            subject=_("Minutes of the meeting of %(body)s") % {"body": record["body"]},
            creator="Paperless meetings",
            lang=document.language,
            # Not ReportLab's default Helvetica, which every page would name, unembedded.
            initialFontName=FONT,
        )
        boxes: dict[str, Any] = {}
        total: list[int] = []
        pdf.build(story(document, boxes), canvasmaker=_page_counter(total))
    return Rendered(pdf=buffer.getvalue(), pages=total[-1] if total else 0, boxes=boxes)
