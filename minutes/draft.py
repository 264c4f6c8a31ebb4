"""The first draft of the minutes, written from the record: plain functions over plain data.

The record (minutes.selectors.meeting_record) stays as it is, and the PDF draws its lists and
vote tables from it. What the secretary edits is the narrative: one text per section, written
here in the language active when the draft is made.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import dates
from meetings.models import Attendance

Section = dict[str, str]
# The record's attendance lists, in the order the minutes give them. Records drafted before
# excused members had their own list keep them under "absent", with their status.
ATTENDANCE_GROUPS = ("present", "represented", "excused", "absent")


def clock(moment: str | None) -> str:
    """ "14:05" from a recorded local time; empty when the record has none."""
    if not moment:
        return ""
    return dates.clock(datetime.datetime.fromisoformat(moment))


def day(moment: str | None) -> datetime.date | None:
    return datetime.datetime.fromisoformat(moment).date() if moment else None


def _names(rows: list[dict[str, Any]], key: str = "name") -> str:
    return ", ".join(row[key] for row in rows)


def opening_text(record: dict[str, Any]) -> str:
    meeting = record["meeting"]
    parts = []
    if meeting["started_at"]:
        parts.append(_("The session opened at %(time)s.") % {"time": clock(meeting["started_at"])})
    if meeting["place"]:
        parts.append(_("Place: %(place)s.") % {"place": meeting["place"]})
    if record["chair"]:
        parts.append(_("Chair: %(name)s.") % {"name": record["chair"]})
    if record["secretary"]:
        parts.append(_("Secretary: %(name)s.") % {"name": record["secretary"]})
    for start, end in pauses(record.get("sittings", [])):
        parts.append(
            _("The session was adjourned from %(start)s to %(end)s.")
            % {"start": clock(start), "end": clock(end)}
        )
    return " ".join(parts)


def attendance_text(record: dict[str, Any]) -> str:
    attendance = record["attendance"]
    voting = [
        row for group in ATTENDANCE_GROUPS for row in attendance.get(group, []) if row["has_vote"]
    ]
    present = [row for row in attendance["present"] if row["has_vote"]]
    text = ngettext(
        "%(present)d of %(total)d member entitled to vote attended.",
        "%(present)d of %(total)d members entitled to vote attended.",
        len(voting),
    ) % {"present": len(present), "total": len(voting)}
    remote = [row["name"] for row in attendance["present"] if row.get("remote")]
    if remote:
        text += " " + _("Attended remotely: %(names)s.") % {"names": ", ".join(remote)}
    if attendance["represented"]:
        text += " " + ngettext(
            "%(count)d member was represented by a substitute.",
            "%(count)d members were represented by substitutes.",
            len(attendance["represented"]),
        ) % {"count": len(attendance["represented"])}
    return text


def _attendance_state(status: str, substitute: str) -> str:
    if status == Attendance.Status.REPRESENTED and substitute:
        return _("represented by %(name)s") % {"name": substitute}
    return str(Attendance.Status(status).label).lower()


def correction_line(correction: dict[str, Any]) -> str:
    """One attendance correction made after the session, as the minutes state it."""
    moment = datetime.datetime.fromisoformat(correction["at"])
    return _(
        "Attendance of %(name)s corrected on %(date)s at %(time)s by %(by)s: %(before)s, now"
        " %(after)s. Why: %(why)s"
    ) % {
        "name": correction["name"],
        "date": dates.day(moment),
        "time": dates.clock(moment),
        "by": correction["by"],
        "before": _attendance_state(
            correction["previous_status"], correction["previous_substitute"]
        ),
        "after": _attendance_state(correction["status"], correction["substitute"]),
        "why": correction["explanation"],
    }


def item_text(item: dict[str, Any]) -> str:
    lines = []
    if item["started_at"]:
        lines.append(
            _("Discussed from %(start)s to %(end)s.")
            % {"start": clock(item["started_at"]), "end": clock(item["ended_at"]) or "…"}
        )
    elif item["status"] == "deferred":
        lines.append(_("Deferred to a later meeting."))
    else:
        lines.append(_("Not discussed."))
    if item["presenter"]:
        lines.append(_("Presented by %(presenter)s.") % {"presenter": item["presenter"]})
    if item["speakers"]:
        lines.append(_("Speakers: %(names)s.") % {"names": _names(item["speakers"])})
    for recusal in item["recusals"]:
        lines.append(
            _("%(name)s declared a conflict of interest and did not vote: %(reason)s") % recusal
        )
    for comment in item["comments"]:
        lines.append(
            _("Comment by %(author)s (%(time)s): %(text)s")
            % {"author": comment["author"], "time": clock(comment["at"]), "text": comment["text"]}
        )
    for poll in item["polls"]:
        lines.append(decision_line(poll))
    return "\n".join(lines)


def outcome_word(poll: dict[str, Any]) -> str:
    """A vote's outcome in a word, the same on the screens, in the text and in the PDF."""
    if poll.get("void"):
        return _("Void: no quorum")
    if poll["passed"]:
        return _("Adopted")
    if poll.get("objected"):
        return _("Objected: to be put to a vote")
    return _("Not adopted")


def decision_line(poll: dict[str, Any]) -> str:
    if poll.get("void"):
        return _(
            "Decision: “%(question)s” was void: the quorum was lost before the vote closed, "
            "so it decided nothing."
        ) % {"question": poll["question"]}
    if poll.get("objected"):
        return _(
            "Decision: “%(question)s” was not adopted by general consent: a member objected."
        ) % {"question": poll["question"]}
    if poll["passed"]:
        return _("Decision: “%(question)s” was adopted.") % {"question": poll["question"]}
    return _("Decision: “%(question)s” was not adopted.") % {"question": poll["question"]}


def pauses(sittings: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(adjourned, reconvened) times of each break in the session, from the event log."""
    breaks, adjourned = [], None
    for sitting in sittings:
        if sitting["event"] == "adjourned":
            adjourned = sitting["at"]
        elif sitting["event"] == "reconvened" and adjourned:
            breaks.append((adjourned, sitting["at"]))
            adjourned = None
    return breaks


def session_end(record: dict[str, Any]) -> str | None:
    """When the session ended: its last adjournment (the meeting is closed later, at the
    secretary's desk), or the closing itself."""
    adjournments = [s["at"] for s in record.get("sittings", []) if s["event"] == "adjourned"]
    if adjournments:
        return str(adjournments[-1])
    return record["meeting"]["closed_at"] or record["meeting"]["adjourned_at"]


def consultation_figures(question: dict[str, Any], members: int) -> str:
    """ "Agree 3, disagree 1, comment only 0, not answered 1, of 5 members asked." """
    return _(
        "Agree %(agree)d, disagree %(disagree)d, comment only %(comment)d, "
        "not answered %(unanswered)d, of %(members)d members asked."
    ) % {
        "agree": question["agree"],
        "disagree": question["disagree"],
        "comment": question["comment_only"],
        "unanswered": question["unanswered"],
        "members": members,
    }


def consultation_decision(consultation: dict[str, Any]) -> str:
    if not consultation["decided"]:
        return _("The chair has not recorded the decision yet.")
    adopted = _outcome(consultation)
    return _("Decision of the chair (%(name)s, %(date)s): %(text)s (%(adopted)s).") % {
        "name": consultation["decided_by"],
        "date": _date(consultation["decided_at"]),
        "text": consultation["decision"],
        "adopted": adopted,
    }


def _outcome(consultation: dict[str, Any]) -> str:
    """ "adopted", "not adopted", or, where the questions split, which ones were."""
    if consultation["adopted"] is not None:
        return _("adopted") if consultation["adopted"] else _("not adopted")
    parts = [
        (
            _("question %(number)d adopted")
            if question.get("adopted")
            else _("question %(number)d not adopted")
        )
        % {"number": number}
        for number, question in enumerate(consultation["questions"], start=1)
    ]
    return _("partly adopted: %(questions)s") % {"questions": ", ".join(parts)}


def _date(moment: str | None) -> str:
    date = day(moment)
    return dates.day(date) if date else ""


def consultation_text(consultation: dict[str, Any]) -> str:
    """The narrative of a linked written-opinion poll: when it ran, each question with its
    figures and outcome, and the chair's decision."""
    lines = [
        _("Written opinions were asked from %(sent)s to %(closed)s.")
        % {"sent": _date(consultation["sent_at"]), "closed": _date(consultation["closed_at"])}
    ]
    for number, question in enumerate(consultation["questions"], start=1):
        lines.append(
            _("Question %(number)d: %(text)s") % {"number": number, "text": question["text"]}
        )
        lines.append(consultation_figures(question, consultation["members"]))
        lines.append(question["explanation"])
    lines.append(consultation_decision(consultation))
    return "\n".join(lines)


def consultation_section(consultation: dict[str, Any]) -> Section:
    return {
        "key": f"consultation-{consultation['id']}",
        "title": _("Written-opinion poll: %(subject)s") % {"subject": consultation["subject"]},
        "text": consultation_text(consultation),
    }


def consultation_conclusion(consultation: dict[str, Any]) -> str:
    if not consultation["decided"]:
        return _("Written-opinion poll “%(subject)s”: awaiting the chair's decision.") % {
            "subject": consultation["subject"]
        }
    if consultation["adopted"] is None:
        return _("Written-opinion poll “%(subject)s”: %(outcome)s.") % {
            "subject": consultation["subject"],
            "outcome": _outcome(consultation),
        }
    if consultation["adopted"]:
        return _("Written-opinion poll “%(subject)s”: adopted.") % {
            "subject": consultation["subject"]
        }
    return _("Written-opinion poll “%(subject)s”: not adopted.") % {
        "subject": consultation["subject"]
    }


def conclusions_text(record: dict[str, Any]) -> str:
    lines = [decision_line(poll) for item in record["items"] for poll in item["polls"]]
    lines += [consultation_conclusion(c) for c in record.get("consultations", [])]
    closed = session_end(record)
    if closed:
        lines.append(_("The meeting closed at %(time)s.") % {"time": clock(closed)})
    return "\n".join(lines)


def draft_sections(record: dict[str, Any]) -> list[Section]:
    """The sections of a new draft, in the order of the document."""
    sections = [
        {"key": "opening", "title": _("Opening"), "text": opening_text(record)},
        {"key": "attendance", "title": _("Attendance"), "text": attendance_text(record)},
    ]
    for item in record["items"]:
        sections.append(
            {
                "key": f"item-{item['id']}",
                "title": f"{item['number']}. {item['title']}",
                "text": item_text(item),
            }
        )
    # Polls decided in writing since the last meeting, reported after the agenda.
    sections += [consultation_section(c) for c in record.get("consultations", [])]
    sections.append(
        {"key": "conclusions", "title": _("Conclusions"), "text": conclusions_text(record)}
    )
    return sections


def action_rows(record: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The tasks the meeting gave out as (task, assignee, due date) rows. The record carries
    them under "actions" (see minutes.selectors.action_record); older records have none."""
    rows = []
    for action in record.get("actions", []):
        due = datetime.date.fromisoformat(action["due_on"])
        rows.append((action["text"], action["assignee"], dates.short_day(due)))
    return rows
