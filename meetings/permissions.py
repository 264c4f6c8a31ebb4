"""Who may do what to bodies and meetings, backed by django-guardian object permissions.

A body has one auth group per role; the group holds the role's permissions on the body and on
each of its meetings. Joining, changing role and leaving a body are group changes made by the
membership services, in the same transaction. Substitutes get a per-person permission on the
one meeting they attend.

`access_*` fetch and authorise in one step: missing and forbidden both raise Http404, so an
outsider cannot learn that a meeting exists.
"""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, Group, User
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import (
    assign_perm,
    get_objects_for_user,
    get_users_with_perms,
    remove_perm,
)

from meetings.models import (
    Body,
    Meeting,
    MeetingGroupObjectPermission,
    MeetingUserObjectPermission,
    Membership,
)
from realtime.displays import display_of
from realtime.models import DisplayToken
from realtime.regions import DISPLAY

AnyUser = User | AnonymousUser

VIEW_BODY = "meetings.view_body"
MANAGE_BODY = "meetings.manage_body"
VIEW_MEETING = "meetings.view_meeting"
MANAGE_MEETING = "meetings.manage_meeting"
RUN_MEETING = "meetings.run_meeting"
MEETING_RIGHTS = frozenset({VIEW_MEETING, MANAGE_MEETING, RUN_MEETING})
ADD_BODY = "meetings.add_body"

ROLE_BODY_PERMS: dict[str, tuple[str, ...]] = {
    Membership.Role.CHAIR: (VIEW_BODY,),
    Membership.Role.VICE_CHAIR: (VIEW_BODY,),
    Membership.Role.MEMBER: (VIEW_BODY,),
    Membership.Role.SECRETARY: (VIEW_BODY, MANAGE_BODY),
    Membership.Role.OBSERVER: (VIEW_BODY,),
}
ROLE_MEETING_PERMS: dict[str, tuple[str, ...]] = {
    Membership.Role.CHAIR: (VIEW_MEETING, RUN_MEETING),
    Membership.Role.VICE_CHAIR: (VIEW_MEETING, RUN_MEETING),
    Membership.Role.MEMBER: (VIEW_MEETING,),
    Membership.Role.SECRETARY: (VIEW_MEETING, MANAGE_MEETING),
    Membership.Role.OBSERVER: (VIEW_MEETING,),
}


def role_group_name(body_id: int, role: str) -> str:
    return f"body-{body_id}-{role}"


def role_group(body: Body, role: str) -> Group:
    group, _ = Group.objects.get_or_create(name=role_group_name(body.pk, role))
    return group


def role_holders() -> set[tuple[str, int]]:
    """(role group name, user id) for everyone who holds a body role's rights now (one query)."""
    return set(
        User.groups.through.objects.filter(group__name__startswith="body-").values_list(
            "group__name", "user_id"
        )
    )


def grant_body_roles(body: Body, creator: User) -> None:
    """Give each role of a new body its permissions; the creator manages the body."""
    for role, perms in ROLE_BODY_PERMS.items():
        group = role_group(body, role)
        for perm in perms:
            assign_perm(perm, group, body)
    assign_perm(VIEW_BODY, creator, body)
    assign_perm(MANAGE_BODY, creator, body)


def grant_meeting_roles(meeting: Meeting) -> None:
    """Give each role of the body its rights on a new meeting, and the secretariat officers
    who manage the body (without a role in it) the right to prepare the meeting."""
    for role, perms in ROLE_MEETING_PERMS.items():
        group = role_group(meeting.body, role)
        for perm in perms:
            assign_perm(perm, group, meeting)
    officers = get_users_with_perms(
        meeting.body, only_with_perms_in=["manage_body"], with_group_users=False
    )
    for perm in (VIEW_MEETING, MANAGE_MEETING):
        assign_perm(perm, officers, meeting)


def join_role(membership: Membership) -> None:
    role_group(membership.body, membership.role).user_set.add(membership.user)


def leave_role(membership: Membership, role: str | None = None) -> None:
    role_group(membership.body, role or membership.role).user_set.remove(membership.user)


def grant_substitute(meeting: Meeting, substitute: User) -> None:
    assign_perm(VIEW_MEETING, substitute, meeting)


def revoke_substitute(meeting: Meeting, substitute: User) -> None:
    remove_perm(VIEW_MEETING, substitute, meeting)


def can_create_body(user: AnyUser) -> bool:
    return user.is_authenticated and user.has_perm(ADD_BODY)


def can_manage_body(user: AnyUser, body: Body) -> bool:
    return user.is_authenticated and user.has_perm(MANAGE_BODY, body)


def can_manage_meeting(user: AnyUser, meeting: Meeting) -> bool:
    return user.is_authenticated and user.has_perm(MANAGE_MEETING, meeting)


def can_run_meeting(user: AnyUser, meeting: Meeting) -> bool:
    return user.is_authenticated and user.has_perm(RUN_MEETING, meeting)


def meeting_rights(user: AnyUser, meeting: Meeting) -> frozenset[str]:
    """What the user may do with the meeting, read in one go (one query); empty when they
    may not see it. Members see a meeting once it is scheduled; a draft is the secretariat's."""
    if not user.is_authenticated:
        return frozenset()
    return _rights(_granted(user, meeting), meeting)


def meeting_rights_of(meeting: Meeting, user_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """`meeting_rights` of many people at once (three queries), for what the live regions draw
    for each of them."""
    users = User.objects.filter(pk__in=set(user_ids), is_active=True)
    ids = set(users.filter(is_superuser=False).values_list("pk", flat=True))
    own = MeetingUserObjectPermission.objects.filter(user__in=ids, content_object=meeting)
    groups = MeetingGroupObjectPermission.objects.filter(
        group__user__in=ids, content_object=meeting
    )
    granted: dict[int, set[str]] = {user_id: set() for user_id in ids}
    for user_id, codename in own.values_list("user_id", "permission__codename").union(
        groups.values_list("group__user", "permission__codename")
    ):
        granted[user_id].add(codename)
    rights = {user_id: _rights(codenames, meeting) for user_id, codenames in granted.items()}
    for superuser in users.filter(is_superuser=True):
        rights[superuser.pk] = meeting_rights(superuser, meeting)
    return rights


def _rights(codenames: set[str], meeting: Meeting) -> frozenset[str]:
    rights = frozenset(f"meetings.{codename}" for codename in codenames) & MEETING_RIGHTS
    if VIEW_MEETING not in rights:
        return frozenset()
    if meeting.status == Meeting.Status.DRAFT and MANAGE_MEETING not in rights:
        return frozenset()
    return rights


# `_granted`'s UNION in plain SQL: composing it through the ORM cost more CPU than running it,
# on the read that every request on a meeting makes.
_GRANTED = (
    "SELECT p.codename FROM meetings_meetinguserobjectpermission o"
    " JOIN auth_permission p ON p.id = o.permission_id"
    " WHERE o.user_id = %s AND o.content_object_id = %s"
    " UNION SELECT p.codename FROM meetings_meetinggroupobjectpermission o"
    " JOIN auth_permission p ON p.id = o.permission_id"
    " JOIN auth_user_groups m ON m.group_id = o.group_id"
    " WHERE m.user_id = %s AND o.content_object_id = %s"
)


def _granted(user: User, meeting: Meeting) -> set[str]:
    """The codenames guardian's checker would give (`get_perms`), in one query instead of its
    two: the person's own permissions on the meeting and their groups', as one UNION. Every
    request on a meeting starts with this read."""
    if not user.is_active:
        return set()
    if user.is_superuser:
        return set(ObjectPermissionChecker(user).get_perms(meeting))
    with connection.cursor() as cursor:
        cursor.execute(_GRANTED, [user.pk, meeting.pk, user.pk, meeting.pk])
        return {codename for (codename,) in cursor.fetchall()}


def follower_rights(user_id: int, meeting_id: int) -> frozenset[str]:
    """A person's rights on a meeting whose live events they follow (registered with
    realtime.access, which asks for every socket that connects); empty when they may not.
    Reads the rights once: four queries in all."""
    user = User.objects.filter(pk=user_id).first()
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if user is None or meeting is None:
        return frozenset()
    return meeting_rights(user, meeting)


def display_rights(meeting_id: int) -> frozenset[str]:
    """What a room display may see of a meeting (registered with realtime.access): at most
    what a plain member sees, and nothing while members see nothing (a draft). The `DISPLAY`
    right makes it an audience of its own, which the live regions draw only the big screen's
    parts for (realtime.regions)."""
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        return frozenset()
    rights = _rights({"view_meeting"}, meeting)  # a plain member's one permission
    return rights | {DISPLAY} if rights else frozenset()


def access_display(token: str) -> tuple[DisplayToken, Meeting]:
    """The live room display a token opens, and its meeting; a wrong, revoked or empty token
    and a meeting a display may not follow are the same 404."""
    display = display_of(token)
    if display is None or not display_rights(display.meeting_id):
        raise Http404("No such display.")
    return display, meeting_or_404(display.meeting_id)


def access_display_of(user: AnyUser, meeting_id: int, display_id: int) -> DisplayToken:
    """One of the meeting's room displays, for its secretariat."""
    meeting = access_meeting(user, meeting_id, MANAGE_MEETING)
    display = DisplayToken.objects.filter(pk=display_id, meeting=meeting).first()
    if display is None:
        raise Http404("No such display.")
    display.meeting = meeting
    return display


def access_body(user: AnyUser, body_id: int, perm: str = VIEW_BODY) -> Body:
    try:
        body = Body.objects.get(pk=body_id)
    except (Body.DoesNotExist, ValueError, TypeError):
        raise Http404("No such body.") from None
    if not user.is_authenticated or not user.has_perm(perm, body):
        raise Http404("No such body.")
    return body


def meeting_or_404(meeting_id: int) -> Meeting:
    """The meeting, not yet authorised: callers check the rights before they use it."""
    try:
        return Meeting.objects.select_related("body").get(pk=meeting_id)
    except (Meeting.DoesNotExist, ValueError, TypeError):
        raise Http404("No such meeting.") from None


def access_meeting(user: AnyUser, meeting_id: int, perm: str = VIEW_MEETING) -> Meeting:
    meeting = meeting_or_404(meeting_id)
    if perm not in meeting_rights(user, meeting):
        raise Http404("No such meeting.")
    return meeting


def bodies_for_user(user: AnyUser, perm: str = VIEW_BODY) -> QuerySet[Body]:
    if not user.is_authenticated:
        return Body.objects.none()
    return get_objects_for_user(user, perm, klass=Body, accept_global_perms=False)


def meetings_for_user(user: AnyUser) -> QuerySet[Meeting]:
    """Meetings the user may see: drafts only where they manage the meeting."""
    if not user.is_authenticated:
        return Meeting.objects.none()
    visible = get_objects_for_user(user, VIEW_MEETING, klass=Meeting, accept_global_perms=False)
    managed = get_objects_for_user(user, MANAGE_MEETING, klass=Meeting, accept_global_perms=False)
    return visible.exclude(status=Meeting.Status.DRAFT) | managed


SECRETARIAT_GROUP = "Secretariat"


def account_roles(user: User) -> set[str]:
    """The roles that may call for a second factor (core.accounts): "secretariat" for the
    Secretariat group and every body's secretary, "chair" for a body's chair."""
    roles = set()
    if user.groups.filter(name=SECRETARIAT_GROUP).exists():
        roles.add("secretariat")
    held = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    if Membership.Role.SECRETARY in held:
        roles.add("secretariat")
    if Membership.Role.CHAIR in held:
        roles.add("chair")
    return roles


def secretariat_group() -> Group:
    """The secretariat officers: they may create bodies (and then manage the ones they create)."""
    return Group.objects.get(name=SECRETARIAT_GROUP)
