"""Open-format exports of a meeting: its votes as Popolo JSON, its minutes as Akoma Ntoso 3.0
`debate` XML, its schedule as iCalendar.

The builders are plain functions over plain data (tested without a database); the selectors
next to them gather that data in a fixed number of queries. What an export contains is data,
so it is not translated: it carries the wording stored when the poll closed or the minutes
were drafted (the few labels the minutes add, such as the tasks' heading, are in the minutes'
own language, as in their PDF).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import icalendar
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext

from core import dates
from core.dates import local_iso
from meetings import invitations
from meetings.models import Body, Meeting
from minutes import draft, selectors
from minutes.draft import ATTENDANCE_GROUPS
from minutes.models import Minutes
from voting.models import Ballot, Poll

AKN_NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
# Minutes that may be exported: their text is settled from the chair's approval on.
EXPORTABLE_MINUTES = frozenset(
    {Minutes.Status.APPROVED, Minutes.Status.SECRETARY_SIGNED, Minutes.Status.SIGNED}
)


# Popolo


def polls_data(meeting: Meeting) -> list[dict[str, Any]]:
    """The meeting's closed polls as plain data (two queries, the body loaded with the
    meeting). Open and prepared polls have no result yet and are left out. Named ballots are
    read only for roll calls: a secret ballot has no voter to read."""
    polls = list(
        Poll.objects.filter(meeting=meeting, status=Poll.Status.CLOSED).order_by("closed_at", "pk")
    )
    named_ids = [poll.pk for poll in polls if poll.secrecy == Poll.Secrecy.NAMED]
    votes: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for ballot in (
        Ballot.objects.filter(poll_id__in=named_ids, voter__isnull=False)
        .select_related("voter")
        .order_by("voter__last_name", "voter__first_name", "voter_id")
    ):
        assert ballot.voter is not None  # filtered above
        votes[ballot.poll_id].append(
            {
                "voter_id": ballot.voter.pk,
                "name": ballot.voter.get_full_name() or ballot.voter.username,
                "answer": ballot.answer,
                "choices": list(ballot.choices),
            }
        )
    # Members who did not vote or were recused, from the frozen roll call, so that the export
    # names everyone the roll call names ("excused": a declared conflict of interest).
    not_voting = {"did_not_vote": "not voting", "recused": "excused"}
    for poll in polls:
        for row in (poll.result or {}).get("roll_call") or []:
            if row.get("status") in not_voting:
                votes[poll.pk].append(
                    {
                        "voter_id": row["user"],
                        "name": row["name"],
                        "answer": not_voting[row["status"]],
                        "choices": [],
                    }
                )
    return [
        {
            "id": poll.pk,
            "question": poll.question,
            "named": poll.secrecy == Poll.Secrecy.NAMED,
            "opened_at": local_iso(poll.opened_at),
            "closed_at": local_iso(poll.closed_at),
            "result": poll.result or {},
            "ballots": sorted(votes.get(poll.pk, []), key=lambda ballot: ballot["name"]),
        }
        for poll in polls
    ]


def _count_option(row: dict[str, Any]) -> str:
    # yes/no/abstain by their code; a choice poll's options by their label, as Popolo has no
    # separate id for an option.
    return str(row["answer"]) if row.get("answer") else str(row["label"])


def popolo(
    *, body: dict[str, Any], meeting: dict[str, Any], polls: list[dict[str, Any]]
) -> dict[str, Any]:
    """Popolo motions and vote events (https://www.popoloproject.com/specs/vote-event.html).

    `body` is {"id", "name"}, `meeting` {"id", "title"}, `polls` as from `polls_data`. Only
    roll calls carry `votes`; a secret ballot's event has counts alone."""
    organization_id = f"body-{body['id']}"
    motions, events = [], []
    for poll in polls:
        if not poll["closed_at"]:
            continue  # no result before the poll closes
        result = poll["result"]
        passed = bool(result.get("passed"))
        motion_id = f"motion-{poll['id']}"
        motions.append(
            {
                "id": motion_id,
                "organization_id": organization_id,
                "organization": {"id": organization_id, "name": body["name"]},
                "legislative_session_id": f"meeting-{meeting['id']}",
                "text": poll["question"],
                "date": poll["closed_at"][:10],
                "requirement": result.get("explanation", ""),
                "result": "passed" if passed else "failed",
            }
        )
        event: dict[str, Any] = {
            "id": f"vote-event-{poll['id']}",
            "motion_id": motion_id,
            "organization_id": organization_id,
            "legislative_session_id": f"meeting-{meeting['id']}",
            "start_date": poll["opened_at"],
            "end_date": poll["closed_at"],
            "result": "pass" if passed else "fail",
            "counts": [
                {"option": _count_option(row), "value": row["count"]}
                for row in result.get("counts", [])
            ],
        }
        if poll["named"]:
            labels = {
                row["option"]: row["label"] for row in result.get("counts", []) if "option" in row
            }
            event["votes"] = [
                {
                    "voter_id": f"person-{ballot['voter_id']}",
                    "voter": {"id": f"person-{ballot['voter_id']}", "name": ballot["name"]},
                    "option": ballot["answer"]
                    or ", ".join(labels.get(pk, str(pk)) for pk in ballot["choices"]),
                }
                for ballot in poll["ballots"]
            ]
        events.append(event)
    return {
        "organizations": [{"id": organization_id, "name": body["name"]}],
        "motions": motions,
        "vote_events": events,
    }


def meeting_popolo(meeting: Meeting) -> dict[str, Any]:
    return popolo(
        body={"id": meeting.body_id, "name": meeting.body.name},
        meeting={"id": meeting.pk, "title": meeting.title},
        polls=polls_data(meeting),
    )


# Akoma Ntoso


def akn_id(text: str, prefix: str) -> str:
    """An XML NCName for an eId or a TLC reference: letters, digits and dashes."""
    # Vietnamese names keep their letters without the marks (đ has no decomposition).
    ascii_text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text.encode("ascii", "ignore").decode())
    slug = slug.strip("-").lower()
    return f"{prefix}-{slug}" if slug else prefix


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{AKN_NS}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def akoma_ntoso(
    record: dict[str, Any],
    *,
    number: str,
    language: str,
    sections: list[dict[str, str]] | None = None,
    country: str = "vn",
) -> bytes:
    """The minutes as an Akoma Ntoso 3.0 `debate`, from the record they were drafted from and
    their text (`sections`) as edited and approved.

    The sections before the agenda (opening, attendance) come first, each its text as
    paragraphs. One `debateSection` per agenda item: its heading, its approved text, a `speech`
    per speaker (when they spoke: the record keeps no words) and comment, the decisions as
    paragraphs, and its sub-items' sections inside it (2.1 and 2.2 within 2); then one per
    linked written-opinion poll, with its text, its questions' figures and outcome and the
    chair's decision; then the other sections (the conclusions) with their text; then, when the
    record lists tasks ("actions"), a last section with one paragraph per task, its due date
    marked up. People get
    TLCPerson ids in the order they first appear (attendance, then speakers and comments); the
    record holds names only, so two people with the same name share one reference."""
    ET.register_namespace("", AKN_NS)
    meeting = record["meeting"]
    date = (meeting.get("started_at") or meeting.get("starts_at") or "")[:10]
    body_ref = akn_id(record["body"], "org")
    people: dict[str, str] = {}

    def person_ref(name: str) -> str:
        if name not in people:
            people[name] = f"person-{len(people) + 1}"
        return people[name]

    attendance = record["attendance"]
    for group in ATTENDANCE_GROUPS:
        for row in attendance.get(group, []):
            person_ref(row["name"])
    for item in record["items"]:
        for row in item["speakers"]:
            person_ref(row["name"])
        for row in item["comments"]:
            person_ref(row["author"])

    root = ET.Element(f"{{{AKN_NS}}}akomaNtoso")
    debate = _sub(root, "debate", name="minutes")
    meta = _sub(debate, "meta")
    identification = _sub(meta, "identification", source=f"#{body_ref}")
    work_uri = f"/akn/{country}/debateRecord/{body_ref}/{date}/{meeting['id']}"
    expression_uri = f"{work_uri}/{language}@"
    # FRBRthis names the main document at each level; FRBRuri the level as a whole.
    for level, this, uri in (
        ("FRBRWork", f"{work_uri}/!main", work_uri),
        ("FRBRExpression", f"{expression_uri}/!main", expression_uri),
        ("FRBRManifestation", f"{expression_uri}/!main.xml", f"{expression_uri}.xml"),
    ):
        frbr = _sub(identification, level)
        _sub(frbr, "FRBRthis", value=this)
        _sub(frbr, "FRBRuri", value=uri)
        _sub(frbr, "FRBRdate", date=date, name="meeting")
        _sub(frbr, "FRBRauthor", href=f"#{body_ref}")
        if level == "FRBRWork":
            _sub(frbr, "FRBRcountry", value=country)
            _sub(frbr, "FRBRnumber", value=number)
        if level == "FRBRExpression":
            _sub(frbr, "FRBRlanguage", language=language)
    references = _sub(meta, "references", source=f"#{body_ref}")
    _sub(
        references,
        "TLCOrganization",
        eId=body_ref,
        href=f"/akn/ontology/organizations/{country}/{body_ref}",
        showAs=record["body"],
    )
    for name, ref in people.items():
        _sub(
            references,
            "TLCPerson",
            eId=ref,
            href=f"/akn/ontology/persons/{country}/{ref}",
            showAs=name,
        )

    preface = _sub(debate, "preface")
    _sub(_sub(preface, "p"), "docTitle", meeting["title"])
    _sub(preface, "p", record["body"])

    texts = {part["key"]: part for part in sections or []}
    item_keys = {f"item-{item['id']}" for item in record["items"]}
    consultation_keys = {f"consultation-{row['id']}" for row in record.get("consultations", [])}
    first_item = next(
        (index for index, section in enumerate(sections or []) if section["key"] in item_keys),
        len(sections or []),
    )
    others = [
        section for section in sections or [] if section["key"] not in item_keys | consultation_keys
    ]

    def paragraphs(parent: ET.Element, key: str) -> None:
        for line in texts.get(key, {}).get("text", "").split("\n"):
            if line.strip():
                _sub(parent, "p", line.strip())

    def spoke(row: dict[str, Any]) -> str:
        times = {
            "start": draft.clock(row.get("started_at")),
            "end": draft.clock(row.get("ended_at")),
        }
        return gettext("Spoke from %(start)s to %(end)s.") % times

    def text_section(section: dict[str, str]) -> None:
        element = _sub(
            debate_body,
            "debateSection",
            eId=f"dbsect_{akn_id(section['key'], 'text')}",
            name=section["key"],
        )
        _sub(element, "heading", section["title"])
        paragraphs(element, section["key"])
        if len(element) == 1:
            _sub(element, "p", "—")

    debate_body = _sub(debate, "debateBody")
    for part in others:
        if (sections or []).index(part) < first_item:
            text_section(part)
    # Sub-items sit inside their parent's section, as on the agenda and in the PDF: the record
    # lists items in reading order with their depth (records drafted before depth was kept
    # are flat).
    parents: list[ET.Element] = []
    item_sections: list[ET.Element] = []
    for item in record["items"]:
        depth = min(item.get("depth", 0), len(parents))
        del parents[depth:]
        section = _sub(
            parents[-1] if parents else debate_body,
            "debateSection",
            eId=f"dbsect_{item['id']}",
            name="item",
        )
        parents.append(section)
        item_sections.append(section)
        _sub(section, "num", str(item["number"]))
        _sub(section, "heading", item["title"])
        paragraphs(section, f"item-{item['id']}")
        with translation.override(language):
            speeches = [
                (row.get("started_at") or "", row["name"], spoke(row)) for row in item["speakers"]
            ]
        speeches += [(row["at"] or "", row["author"], row["text"]) for row in item["comments"]]
        for _at, name, text in sorted(speeches, key=lambda speech: speech[0]):
            speech = _sub(section, "speech", by=f"#{person_ref(name)}")
            _sub(speech, "from", name)
            _sub(speech, "p", text or "—")
        for recusal in item["recusals"]:
            _sub(section, "p", f"{recusal['name']}: {recusal['reason']}")
        for poll in item["polls"]:
            outcome = "void" if poll.get("void") else "passed" if poll["passed"] else "failed"
            _sub(section, "p", f"{poll['question']} ({outcome})")
            counts = "; ".join(f"{row['label']}: {row['count']}" for row in poll["counts"])
            if counts:
                _sub(section, "p", counts)
            if poll["explanation"]:
                _sub(section, "p", poll["explanation"])
            for row in poll["roll_call"] or []:
                _sub(section, "p", f"{row['name']}: {row['vote']}")
    for section in item_sections:
        if len(section) == 2:
            # Only num and heading, and no sub-items: a debateSection needs content after its
            # heading.
            _sub(section, "p", "—")
    for consultation in record.get("consultations", []):
        # A poll answered in writing has no speech: its questions with their figures (of all
        # the members asked) and outcome, then the chair's decision, worded as in the PDF.
        with translation.override(language):
            section = _sub(
                debate_body,
                "debateSection",
                eId=f"dbsect_consultation_{consultation['id']}",
                name="writtenOpinionPoll",
            )
            _sub(section, "heading", consultation["subject"])
            paragraphs(section, f"consultation-{consultation['id']}")
            for question in consultation["questions"]:
                outcome = gettext("Adopted") if question["passed"] else gettext("Not adopted")
                _sub(section, "p", f"{question['text']} ({outcome})")
                _sub(section, "p", draft.consultation_figures(question, consultation["members"]))
                if question["explanation"]:
                    _sub(section, "p", question["explanation"])
            _sub(section, "p", draft.consultation_decision(consultation))
    for part in others:
        if (sections or []).index(part) > first_item:
            text_section(part)
    actions = record.get("actions") or []
    if actions:
        # The tasks close the minutes, as in the PDF; the labels are in the minutes' language.
        with translation.override(language):
            section = _sub(debate_body, "debateSection", eId="dbsect_tasks", name="tasks")
            _sub(section, "heading", gettext("Conclusions and tasks"))
            for action in actions:
                task = _sub(
                    section,
                    "p",
                    f"{action['text']} ({gettext('Assigned to')}: {action['assignee']}; "
                    f"{gettext('Due')}: ",
                )
                due = datetime.date.fromisoformat(action["due_on"])
                _sub(task, "date", dates.day(due), date=due.isoformat()).tail = ")"
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def minutes_akoma_ntoso(minutes: Minutes) -> bytes:
    # The tasks as they stand now, like the PDF: most are recorded after the draft.
    record = {**minutes.record, "actions": selectors.action_record(minutes.meeting)}
    return akoma_ntoso(
        record,
        number=minutes.number,
        language=minutes.language or "vi",
        sections=minutes.sections,
    )


# iCalendar


def calendar_feed(meetings: Iterable[Meeting], *, name: str) -> bytes:
    """A feed with one VEVENT per meeting, under the same UID and SEQUENCE as its invitations,
    so a calendar that got both keeps one event."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Paperless meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for meeting in meetings:
        calendar.add_component(
            invitations.meeting_event(
                meeting,
                sequence=meeting.ics_sequence,
                cancelled=meeting.status == Meeting.Status.CANCELLED,
            )
        )
    return calendar.to_ical()


def feed_meetings(visible: QuerySet[Meeting], body: Body | None = None) -> QuerySet[Meeting]:
    """The visible meetings (of one body), in order, with their bodies (one query)."""
    if body is not None:
        visible = visible.filter(body=body)
    return visible.select_related("body").order_by("starts_at", "pk")
