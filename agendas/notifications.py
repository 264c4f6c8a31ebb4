"""E-mail to the people invited when a meeting's agenda is published."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from agendas import selectors
from meetings.invitations import meeting_url
from meetings.models import Meeting
from meetings.text import header_safe

logger = logging.getLogger(__name__)


def send_agenda_published(meeting_id: int) -> None:
    """Send after the publication committed. A mail server failure is logged, not raised:
    the agenda is published and members see it on their tablets."""
    meeting = Meeting.objects.select_related("body").get(pk=meeting_id)
    overview = selectors.agenda_overview(meeting)
    people = (
        User.objects.filter(Q(attendances__meeting=meeting) | Q(substitutions__meeting=meeting))
        .exclude(email="")
        .distinct()
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Agenda: %(title)s") % {"title": header_safe(meeting.title)}
        body = render_to_string(
            "agendas/email/agenda_published.txt",
            {"meeting": meeting, "rows": overview.rows, "url": meeting_url(meeting)},
        )
    messages = [EmailMessage(subject=subject, body=body, to=[person.email]) for person in people]
    try:
        get_connection().send_messages(messages)
    except OSError:
        logger.exception("Could not send the agenda of meeting %s", meeting_id)
