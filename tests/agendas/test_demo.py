from io import StringIO

from django.contrib.auth.models import User
from django.core.management import call_command

from agendas import selectors
from agendas.permissions import can_see_agenda
from meetings.models import Meeting


def test_the_demo_meetings_get_their_agendas(db: None) -> None:
    call_command("demo_data", stdout=StringIO())
    call_command("demo_agendas", stdout=StringIO())
    call_command("demo_agendas", stdout=StringIO())  # a second run adds nothing
    soon = Meeting.objects.get(title="Thematic meeting on law-making")
    rows = selectors.agenda_overview(soon).rows
    assert [row.number for row in rows] == ["1", "2", "2.1", "2.2", "3", "4", "5"]
    finance = User.objects.get(username="finance")
    assert can_see_agenda(finance, soon)
    tomorrow = Meeting.objects.get(title="Regular Government meeting")
    assert not can_see_agenda(finance, tomorrow)
