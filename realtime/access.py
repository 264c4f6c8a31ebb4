from django.contrib.auth.models import User

from meetings import permissions
from meetings.models import Meeting


def subscriber_rights(user_id: int, meeting_id: int) -> frozenset[str] | None:
    """The user's rights on the meeting, or None when they may not follow it. Runs for every
    socket that connects, so it reads the rights once (four queries in all)."""
    user = User.objects.filter(pk=user_id).first()
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if user is None or meeting is None:
        return None
    return permissions.meeting_rights(user, meeting) or None
