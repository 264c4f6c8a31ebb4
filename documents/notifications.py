"""E-mail to the people invited when a meeting's packet is published."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from meetings.models import Meeting
from meetings.text import header_safe

logger = logging.getLogger(__name__)


def send_packet_published(meeting_id: int) -> None:
    """Send after the publication committed. The mail names no document: titles may be
    confidential, and each member's packet page shows what they may read. A mail server
    failure is logged, not raised: the packet is published and members see it on their
    tablets."""
    meeting = Meeting.objects.select_related("body").get(pk=meeting_id)
    people = (
        User.objects.filter(Q(attendances__meeting=meeting) | Q(substitutions__meeting=meeting))
        .exclude(email="")
        .distinct()
    )
    url = settings.SITE_URL + reverse("documents:packet", args=[meeting.pk])
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Meeting papers: %(title)s") % {"title": header_safe(meeting.title)}
        body = render_to_string(
            "documents/email/packet_published.txt", {"meeting": meeting, "url": url}
        )
    messages = [EmailMessage(subject=subject, body=body, to=[person.email]) for person in people]
    try:
        get_connection().send_messages(messages)
    except OSError:
        logger.exception("Could not announce the packet of meeting %s", meeting_id)
