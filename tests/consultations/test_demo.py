from io import StringIO

from django.contrib.auth.models import User
from django.core.management import call_command

from consultations import selectors
from consultations.models import Answer, Consultation


def test_the_demo_sends_a_written_opinion_poll_to_the_government(db: None) -> None:
    call_command("demo_data", stdout=StringIO())
    call_command("demo_consultations", stdout=StringIO())
    call_command("demo_consultations", stdout=StringIO())  # a second run adds nothing
    poll = Consultation.objects.get()
    assert poll.status == Consultation.Status.OPEN and poll.recipients.count() == 27
    assert Answer.objects.filter(consultation=poll).count() == 8
    assert selectors.signature_check(poll).intact
    [waiting] = selectors.awaiting_for_member(User.objects.get(username="finance"))
    assert waiting.consultation == poll
