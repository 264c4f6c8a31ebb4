"""What each kind of notice says. The text is rendered when read, so each person reads it in
their own language; `params` holds only what the recipient may already see."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CONSULTATION_REMINDER = "consultation.reminder"
CONSULTATION_CLOSED = "consultation.closed"
PAPERS_UNREAD = "papers.unread"
PAPERS_LATE = "papers.late"
ACTION_ITEM_DUE = "action_item.due"

TEXTS: dict[str, Promise] = {
    CONSULTATION_REMINDER: _(
        "You have not yet answered the written-opinion poll “%(subject)s”: the deadline is "
        "%(deadline)s."
    ),
    CONSULTATION_CLOSED: _(
        "The written-opinion poll “%(subject)s” has closed and been tallied: record the decision."
    ),
    PAPERS_UNREAD: _(
        "The meeting “%(meeting)s” is on %(starts_at)s and you have not opened its papers yet."
    ),
    PAPERS_LATE: _(
        "The papers of the meeting “%(meeting)s” on %(starts_at)s are not with the members: "
        "they were due at least 3 days before (Decree 39/2022/ND-CP). Publish the packet."
    ),
    ACTION_ITEM_DUE: _("Your task “%(task)s” is due on %(due_on)s."),
}

# The subject of a notice's e-mail (notices.services.notices_send with `email`).
SUBJECTS: dict[str, Promise] = {
    PAPERS_UNREAD: _("Reminder: the papers of %(meeting)s"),
    PAPERS_LATE: _("Papers late: %(meeting)s"),
    ACTION_ITEM_DUE: _("Reminder: a task due on %(due_on)s"),
}


def render(kind: str, params: dict[str, str]) -> str:
    return str(TEXTS[kind]) % params


# The kinds that also go by e-mail, which each person may turn off, with how the choice reads.
EMAILED: dict[str, Promise] = {
    CONSULTATION_REMINDER: _("Reminders to answer a written-opinion poll"),
    PAPERS_UNREAD: _("Reminders to read a meeting's papers"),
    PAPERS_LATE: _("Warnings that a meeting's papers are late (secretariat)"),
    ACTION_ITEM_DUE: _("Reminders of a task's due date"),
}
