from django.contrib.auth.models import User
from django.http import Http404

from meetings import permissions

RIGHTS = (permissions.VIEW_MEETING, permissions.MANAGE_MEETING, permissions.RUN_MEETING)


def subscriber_rights(user_id: int, meeting_id: int) -> frozenset[str] | None:
    """The user's rights on the meeting, or None when they may not follow it."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    try:
        meeting = permissions.access_meeting(user, meeting_id)
    except Http404:
        return None
    return frozenset(perm for perm in RIGHTS if user.has_perm(perm, meeting))
