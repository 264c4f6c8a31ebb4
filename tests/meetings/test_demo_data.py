from io import StringIO

import pyotp
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse

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


def test_the_demo_admin_and_secretariat_sign_in_with_the_published_secret(
    db: None, settings
) -> None:
    """As the README says: the password, then the code of the published secret; the roles'
    requirement on, as `make run` has it."""
    settings.MFA_REQUIRED_ROLES = ["staff", "secretariat"]
    output = load()
    assert "PAPERLESSMEETINGSDEMOTOTPSECRET2" in output
    for username in ("admin", "secretariat", "govsecretary"):
        client = Client()
        response = client.post(
            reverse("login"), {"login": username, "password": "demo-meeting-2026"}
        )
        assert response["Location"] == reverse("mfa_authenticate")
        code = pyotp.TOTP("PAPERLESSMEETINGSDEMOTOTPSECRET2").now()
        client.post(reverse("mfa_authenticate"), {"code": code})
        assert client.get(reverse("meetings:my_meetings")).status_code == 200
    member = Client()
    member.post(reverse("login"), {"login": "finance", "password": "demo-meeting-2026"})
    assert member.get(reverse("meetings:my_meetings")).status_code == 200
