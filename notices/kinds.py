"""What each kind of notice says. The text is rendered when read, so each person reads it in
their own language; `params` holds only what the recipient may already see."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CONSULTATION_REMINDER = "consultation.reminder"
CONSULTATION_CLOSED = "consultation.closed"

TEXTS: dict[str, Promise] = {
    CONSULTATION_REMINDER: _(
        "You have not yet answered the written-opinion poll “%(subject)s”: the deadline is "
        "%(deadline)s."
    ),
    CONSULTATION_CLOSED: _(
        "The written-opinion poll “%(subject)s” has closed and been tallied: record the decision."
    ),
}


def render(kind: str, params: dict[str, str]) -> str:
    return str(TEXTS[kind]) % params


# The kinds that also go by e-mail, which each person may turn off, with how the choice reads.
EMAILED: dict[str, Promise] = {
    CONSULTATION_REMINDER: _("Reminders to answer a written-opinion poll"),
}
