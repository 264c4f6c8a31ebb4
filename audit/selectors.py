"""The trail as the secretariat reads it: filtered by person, meeting and paper."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from audit.models import Entry


def entry_list(
    *, person: str = "", meeting_id: int | None = None, document_id: int | None = None
) -> QuerySet[Entry]:
    """Newest first. `person` is a user name: entries where they acted or were acted upon."""
    entries = Entry.objects.all()
    if person:
        entries = entries.filter(Q(actor_name=person) | Q(person_name=person))
    if meeting_id is not None:
        entries = entries.filter(meeting_id=meeting_id)
    if document_id is not None:
        entries = entries.filter(document_id=document_id)
    return entries.order_by("-seq")
