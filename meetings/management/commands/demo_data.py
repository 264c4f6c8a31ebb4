"""Demo data for `make run`: the Government with 27 members, a committee, and meetings.

Running it again changes nothing and prints the logins again, so `make run` can call it every
time without losing what was done in the demo since.
"""

import datetime
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from meetings import permissions, services
from meetings.models import Body, Meeting, Membership

PASSWORD = "demo-meeting-2026"  # noqa: S105  (a published demo login)
GOVERNMENT = "Government of Viet Nam"
COMMITTEE = "Economic Committee"

# (username, given name, family and middle names, title); the names are invented.
PRIME_MINISTER = ("pm", "Minh", "Trần Quang", "Prime Minister")
DEPUTIES = [
    (f"dpm{i}", first, last, "Deputy Prime Minister")
    for i, (first, last) in enumerate(
        [("Hòa", "Lê Văn"), ("Lan", "Nguyễn Thị"), ("Hùng", "Phạm Đức"), ("Tâm", "Võ Thanh")],
        start=1,
    )
]
MINISTRIES = [
    ("defence", "National Defence"),
    ("security", "Public Security"),
    ("foreign", "Foreign Affairs"),
    ("home", "Home Affairs"),
    ("justice", "Justice"),
    ("finance", "Finance"),
    ("trade", "Industry and Trade"),
    ("agriculture", "Agriculture and Rural Development"),
    ("environment", "Natural Resources and Environment"),
    ("construction", "Construction"),
    ("transport", "Transport"),
    ("culture", "Culture, Sports and Tourism"),
    ("science", "Science and Technology"),
    ("education", "Education and Training"),
    ("health", "Health"),
    ("labour", "Labour, Invalids and Social Affairs"),
    ("information", "Information and Communications"),
    ("planning", "Planning and Investment"),
    ("ethnic", "Ethnic Minority Affairs"),
]
FAMILY_NAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"]
GIVEN_NAMES = ["An", "Bình", "Chi", "Dũng", "Giang", "Hải", "Khánh", "Linh", "Mai", "Nam", "Phúc"]
MINISTERS = [
    (
        slug,
        GIVEN_NAMES[i % len(GIVEN_NAMES)],
        f"{FAMILY_NAMES[i % len(FAMILY_NAMES)]} Văn",
        f"Minister of {ministry}",
    )
    for i, (slug, ministry) in enumerate(MINISTRIES)
] + [
    ("statebank", "Thu", "Đỗ Thị", "Governor of the State Bank"),
    ("inspector", "Quân", "Bùi Minh", "Inspector General of the Government"),
    ("office", "Sơn", "Đinh Công", "Minister, Chairman of the Government Office"),
]
SECRETARY = ("govsecretary", "Hương", "Lý Thu", "Secretary of the Government Office")
SECRETARIAT_OFFICER = ("secretariat", "Ngọc", "Trịnh Bảo", "Secretariat officer")
# The administrator and the secretariat must sign in with a second factor (MFA_REQUIRED_ROLES):
# in the demo their authenticator app is enrolled with this published secret, which any
# authenticator app (or `oathtool --totp -b SECRET`) turns into the six-digit code.
DEMO_TOTP_SECRET = "PAPERLESSMEETINGSDEMOTOTPSECRET2"  # noqa: S105  (a published demo secret)
SECOND_FACTOR = ("admin", "secretariat", "govsecretary")
# Only these people get an e-mail address, so `make run` prints a handful of invitations.
LOGINS = {
    "admin": "site administrator (Django admin)",
    "secretariat": "secretariat officer: creates bodies and meetings",
    "govsecretary": "secretary of the Government: prepares its meetings, records attendance",
    "pm": "Prime Minister: chairs the Government, opens the session",
    "finance": "Minister of Finance: a member; checks in on a tablet",
}


class Command(BaseCommand):
    help = "Load the demo Government, a committee and their meetings (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.password_hash = make_password(PASSWORD)  # hashed once: it is slow on purpose
        if Body.objects.filter(name=GOVERNMENT).exists():
            self.stdout.write("Demo data already loaded; nothing changed.")
        else:
            with transaction.atomic():
                self._load()
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self._enrol_second_factors()
        self.stdout.write(f"\nDemo logins (password for all: {PASSWORD}):")
        for username, who in LOGINS.items():
            self.stdout.write(f"  {username:<14} {who}")
        self.stdout.write(
            f"\n{', '.join(SECOND_FACTOR)} also type an authenticator app's code: add the "
            f"secret {DEMO_TOTP_SECRET} to the app (or run `oathtool --totp -b "
            f"{DEMO_TOTP_SECRET}`)."
        )

    def _enrol_second_factors(self) -> None:
        """Also for a demo database loaded before second factors were asked for."""
        for user in User.objects.filter(username__in=SECOND_FACTOR):
            totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP)
            if not totp.exists():
                TOTP.activate(user, DEMO_TOTP_SECRET)

    def _load(self) -> None:
        admin = self._user(("admin", "Site", "Administrator", ""))
        admin.is_staff = admin.is_superuser = True
        admin.save()
        officer = self._user(SECRETARIAT_OFFICER)
        officer.groups.add(permissions.secretariat_group())

        government = services.body_create(
            actor=officer,
            name=GOVERNMENT,
            kind=Body.Kind.GOVERNMENT,
            description="The Prime Minister, the Deputy Prime Ministers and the Ministers.",
        )
        self._join(officer, government, PRIME_MINISTER, Membership.Role.CHAIR)
        for person in DEPUTIES:
            self._join(officer, government, person, Membership.Role.VICE_CHAIR)
        ministers = [
            self._join(officer, government, person, Membership.Role.MEMBER) for person in MINISTERS
        ]
        secretary = self._join(officer, government, SECRETARY, Membership.Role.SECRETARY)

        committee = services.body_create(
            actor=officer,
            name=COMMITTEE,
            kind=Body.Kind.COMMITTEE,
            description="Prepares economic policy for the Government (Robert's Rules).",
        )
        services.membership_create(
            actor=officer, body=committee, user=ministers[5], role=Membership.Role.CHAIR
        )
        for minister in ministers[6:10]:
            services.membership_create(
                actor=officer, body=committee, user=minister, role=Membership.Role.MEMBER
            )
        services.membership_create(
            actor=officer, body=committee, user=secretary, role=Membership.Role.SECRETARY
        )

        now = timezone.localtime()
        soon = (now + datetime.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        tomorrow = (now + datetime.timedelta(days=1)).replace(
            hour=8, minute=30, second=0, microsecond=0
        )
        for title, starts_at, hours, kind in [
            ("Thematic meeting on law-making", soon, 3, Meeting.Kind.THEMATIC),
            ("Regular Government meeting", tomorrow, 4, Meeting.Kind.REGULAR),
        ]:
            meeting = services.meeting_create(
                actor=secretary,
                body=government,
                title=title,
                kind=kind,
                starts_at=starts_at,
                ends_at=starts_at + datetime.timedelta(hours=hours),
                place="Government Meeting Hall, 1 Hoàng Hoa Thám, Hà Nội",
            )
            services.meeting_schedule(actor=secretary, meeting=meeting)
        services.meeting_create(
            actor=secretary,
            body=committee,
            title="Review of the budget outlook",
            starts_at=tomorrow + datetime.timedelta(days=2),
            ends_at=tomorrow + datetime.timedelta(days=2, hours=2),
            online_link="https://meet.example.org/economic-committee",
        )

    def _user(self, person: tuple[str, str, str, str]) -> User:
        username, given_name, family_and_middle_names, _ = person
        # Vietnamese names read family, middle, given ("Trần Quang Minh"), and lists sort by
        # the given name: Django's "first last" full name and last-name ordering then fit.
        user = User.objects.create(
            username=username,
            first_name=family_and_middle_names,
            last_name=given_name,
            email=f"{username}@gov.example.org" if username in LOGINS else "",
            password=self.password_hash,
        )
        return user

    def _join(
        self, officer: User, body: Body, person: tuple[str, str, str, str], role: str
    ) -> User:
        user = self._user(person)
        services.membership_create(actor=officer, body=body, user=user, role=role, title=person[3])
        return user
