from io import StringIO

from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import RequestFactory

from meetings import selectors, services
from meetings.models import Body, Meeting, Membership


def load() -> str:
    out = StringIO()
    call_command("demo_data", stdout=out)
    return out.getvalue()


def test_demo_data_builds_the_government_and_prints_the_logins(db: None) -> None:
    output = load()
    government = Body.objects.get(name="Government of Viet Nam")
    voting = Membership.objects.filter(body=government, has_vote=True)
    assert voting.count() == 27
    assert voting.get(role=Membership.Role.CHAIR).title == "Prime Minister"
    assert Membership.objects.filter(body=government, role="secretary").count() == 1
    assert Body.objects.filter(kind=Body.Kind.COMMITTEE).count() == 1
    assert "pm " in output and "finance " in output and "demo-meeting-2026" in output
    # With a request, as every sign-in has one (the lockout counts per request).
    sign_in = RequestFactory().post("/accounts/login/")
    assert authenticate(sign_in, username="finance", password="demo-meeting-2026") is not None
    meetings = Meeting.objects.filter(body=government, status=Meeting.Status.SCHEDULED)
    assert meetings.count() == 2
    # The first meeting starts within the hour, so a member can check in straight away.
    soonest = meetings.order_by("starts_at").first()
    assert soonest is not None
    services.attendance_check_in(actor=User.objects.get(username="finance"), meeting=soonest)
    assert selectors.meeting_quorum(soonest).present == 1


def test_running_it_again_keeps_what_was_done_in_the_demo(db: None) -> None:
    load()
    meeting = Meeting.objects.filter(status=Meeting.Status.SCHEDULED).first()
    assert meeting is not None
    Meeting.objects.filter(pk=meeting.pk).update(title="Renamed during the demo")
    output = load()
    assert "already loaded" in output and "demo-meeting-2026" in output
    assert Meeting.objects.get(pk=meeting.pk).title == "Renamed during the demo"
    assert Body.objects.count() == 2
