"""Every change to written-opinion polls: prepare, send, answer, remind, close, decide.

Each function authorises, locks, validates and writes in one transaction. Polls are answered
between meetings, so nothing is published on a meeting's event log; members learn of a poll by
e-mail and from the notice on their pages, and the e-mails leave after the commit.

Answering and closing both lock the poll's row (`select_for_update`): an answer racing the
close is either counted (it committed first, and the close reads it) or refused (it sees the
poll closed), never lost or counted late. Answers are only ever added: a changed answer is a
new signed revision, and the latest counts.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit import trail
from audit.models import Entry
from consultations import permissions, selectors, signing, tally
from consultations.models import (
    Answer,
    Attachment,
    Consultation,
    Opinion,
    Question,
    Recipient,
    Reminder,
)
from core import dates
from core.errors import ServiceError, require
from documents import uploads
from meetings.models import Body, Membership
from meetings.text import header_safe, require_one_line
from notices import emails as notice_emails
from notices import kinds
from notices import selectors as notice_selectors
from notices import services as notice_services

MAX_QUESTIONS = 30
MAX_COMMENT = 5000
MAX_REMINDER_HOURS = 24 * 60
# Written opinions are asked between meetings: weeks, not years. The bound also keeps dates
# clear of the calendar's end, where converting to local time would overflow.
MAX_DEADLINE = datetime.timedelta(days=366)
MAX_TITLE = 300


def default_reminder_hours() -> list[int]:
    return sorted(set(settings.CONSULTATION_REMINDER_HOURS), reverse=True)


def _lock(consultation: Consultation) -> Consultation:
    return (
        Consultation.objects.select_for_update(of=("self",))
        .select_related("body")
        .get(pk=consultation.pk)
    )


@dataclass(frozen=True)
class Draft:
    subject: str
    description: str
    deadline: datetime.datetime
    questions: list[str]
    reminder_hours: list[int]


def _validated(
    *,
    subject: str,
    description: str,
    deadline: datetime.datetime | None,
    questions: Sequence[str],
    reminder_hours: Sequence[int] | None,
) -> Draft:
    subject = subject.strip()
    if not subject:
        raise ServiceError(_("Give the subject of the poll."), field="subject")
    require_one_line(subject, field="subject")  # it is the e-mails' subject
    if deadline is None:
        raise ServiceError(_("Give the deadline for answers."), field="deadline")
    if deadline <= timezone.now():
        raise ServiceError(_("The deadline has already passed."), field="deadline")
    if deadline > timezone.now() + MAX_DEADLINE:
        raise ServiceError(_("The deadline is at most a year away."), field="deadline")
    texts = [text.strip() for text in questions if text.strip()]
    if not 1 <= len(texts) <= MAX_QUESTIONS:
        raise ServiceError(
            _("A poll asks between 1 and %d questions.") % MAX_QUESTIONS, field="questions"
        )
    if any(len(text) > 1000 for text in texts):
        raise ServiceError(_("A question is at most 1000 characters long."), field="questions")
    if len(set(texts)) != len(texts):
        raise ServiceError(_("Two questions have the same wording."), field="questions")
    hours = list(default_reminder_hours() if reminder_hours is None else reminder_hours)
    if any(not 1 <= hour <= MAX_REMINDER_HOURS for hour in hours):
        raise ServiceError(
            _("Reminders are sent between 1 and %d hours before the deadline.")
            % MAX_REMINDER_HOURS,
            field="reminder_hours",
        )
    return Draft(
        subject=subject,
        description=description.strip(),
        deadline=deadline,
        questions=texts,
        reminder_hours=sorted(set(hours), reverse=True),
    )


def consultation_create(
    *,
    actor: User,
    body: Body,
    subject: str,
    deadline: datetime.datetime | None,
    questions: Sequence[str],
    description: str = "",
    reminder_hours: Sequence[int] | None = None,
) -> Consultation:
    """Prepare a written-opinion poll (the secretariat). `reminder_hours` None: the site's
    default (CONSULTATION_REMINDER_HOURS)."""
    require(
        permissions.can_manage_consultations(actor, body),
        _("Only the body's secretariat prepares written-opinion polls."),
    )
    draft = _validated(
        subject=subject,
        description=description,
        deadline=deadline,
        questions=questions,
        reminder_hours=reminder_hours,
    )
    with transaction.atomic():
        consultation = Consultation.objects.create(
            body=body,
            subject=draft.subject,
            description=draft.description,
            deadline=draft.deadline,
            reminder_hours=draft.reminder_hours,
            created_by=actor,
        )
        Question.objects.bulk_create(
            Question(consultation=consultation, position=position, text=text)
            for position, text in enumerate(draft.questions, start=1)
        )
    return consultation


def consultation_update(
    *,
    actor: User,
    consultation: Consultation,
    subject: str,
    deadline: datetime.datetime | None,
    questions: Sequence[str],
    description: str = "",
    reminder_hours: Sequence[int] | None = None,
) -> Consultation:
    """Change a poll that has not been sent yet; its questions are replaced."""
    require(
        permissions.can_manage_consultations(actor, consultation.body),
        _("Only the body's secretariat prepares written-opinion polls."),
    )
    draft = _validated(
        subject=subject,
        description=description,
        deadline=deadline,
        questions=questions,
        reminder_hours=reminder_hours,
    )
    with transaction.atomic():
        consultation = _lock(consultation)
        if consultation.status != Consultation.Status.DRAFT:
            raise ServiceError(_("This poll has been sent and can no longer be changed."))
        consultation.subject = draft.subject
        consultation.description = draft.description
        consultation.deadline = draft.deadline
        consultation.reminder_hours = draft.reminder_hours
        consultation.save()
        consultation.questions.all().delete()
        Question.objects.bulk_create(
            Question(consultation=consultation, position=position, text=text)
            for position, text in enumerate(draft.questions, start=1)
        )
    return consultation


def _require_draft_papers(consultation: Consultation) -> None:
    if consultation.status != Consultation.Status.DRAFT:
        raise ServiceError(
            _(
                "This poll has been sent: its papers are what the members were asked about "
                "and can no longer be changed."
            )
        )


def attachment_add(
    *, actor: User, consultation: Consultation, title: str, file: UploadedFile
) -> Attachment:
    """Attach a paper to a draft poll (the secretariat). The upload is read as the meeting
    papers are (`documents.uploads`): Office and OpenDocument files are converted to PDF, and
    a refused file leaves neither a row nor a file.

    Locks the poll's row, as sending does, so that a paper is never added to a poll that is
    being sent at the same moment."""
    require(
        permissions.can_manage_consultations(actor, consultation.body),
        _("Only the body's secretariat prepares written-opinion polls."),
    )
    title = title.strip()
    if not title:
        raise ServiceError(_("A paper needs a title."), field="title")
    if len(title) > MAX_TITLE:
        raise ServiceError(
            _("A title has at most %(count)d characters.") % {"count": MAX_TITLE}, field="title"
        )
    # Refused before the (possibly slow) conversion, and checked again under the lock.
    _require_draft_papers(consultation)
    try:
        read = uploads.read_upload(file)
    except uploads.UploadRefused as refusal:
        raise ServiceError(refusal.message, field="file") from None
    storage = Attachment._meta.get_field("file").storage
    stored = ""
    try:
        with transaction.atomic():
            consultation = _lock(consultation)
            _require_draft_papers(consultation)
            attachment = Attachment(
                consultation=consultation,
                title=title,
                sha256=read.sha256,
                size=read.size,
                pages=read.pages,
                original_name=read.original_name,
                uploaded_by=actor,
            )
            attachment.file.save("upload.pdf", ContentFile(read.content), save=False)
            stored = attachment.file.name or ""
            attachment.save()
    except BaseException:
        # The transaction rolled back the row; the file written for it goes too.
        if stored:
            storage.delete(stored)
        raise
    return attachment


def attachment_remove(*, actor: User, attachment: Attachment) -> None:
    """Take a paper off a draft poll (the secretariat). The file is deleted once the row's
    removal has committed: a rolled-back removal keeps its file."""
    consultation = attachment.consultation
    require(
        permissions.can_manage_consultations(actor, consultation.body),
        _("Only the body's secretariat prepares written-opinion polls."),
    )
    storage = Attachment._meta.get_field("file").storage
    with transaction.atomic():
        consultation = _lock(consultation)
        _require_draft_papers(consultation)
        name = attachment.file.name or ""
        deleted, _rows = Attachment.objects.filter(
            pk=attachment.pk, consultation=consultation
        ).delete()
        if deleted and name:
            transaction.on_commit(lambda: storage.delete(name))


def _voting_members(body: Body) -> list[int]:
    today = timezone.localdate()
    return [
        membership.user_id
        for membership in Membership.objects.filter(body=body, has_vote=True)
        if membership.is_current_on(today)
    ]


def consultation_send(*, actor: User, consultation: Consultation) -> Consultation:
    """Send the poll to the body's current voting members, who are its recipients from then
    on; each gets an e-mail. Locks the poll so that it is sent once."""
    require(
        permissions.can_manage_consultations(actor, consultation.body),
        _("Only the body's secretariat sends written-opinion polls."),
    )
    with transaction.atomic():
        consultation = _lock(consultation)
        if consultation.status != Consultation.Status.DRAFT:
            raise ServiceError(_("This poll has already been sent."))
        if consultation.deadline <= timezone.now():
            raise ServiceError(
                _("The deadline has passed: set a new one before sending."), field="deadline"
            )
        members = _voting_members(consultation.body)
        if not members:
            raise ServiceError(_("The body has no member with a voting right to ask."))
        Recipient.objects.bulk_create(
            Recipient(consultation=consultation, user_id=user_id) for user_id in members
        )
        consultation.status = Consultation.Status.OPEN
        consultation.sent_at = timezone.now()
        consultation.save()
        _mail(consultation, members, kind="sent", key=f"consultation-{consultation.pk}-sent")
        _audit(Entry.Action.CONSULTATION_OPENED, actor, consultation)
    return consultation


def _audit(action: str, actor: User | None, consultation: Consultation) -> None:
    trail.record(
        action,
        actor=actor,
        details={"consultation": consultation.pk, "body": consultation.body_id},
    )


@dataclass(frozen=True)
class AnswerInput:
    """One answer as given: the question's id, the opinion and an optional comment."""

    question: int
    opinion: str
    comment: str = ""


def answers_submit(
    *,
    actor: User,
    consultation: Consultation,
    answers: Sequence[AnswerInput],
    session_key: str,
) -> list[Answer]:
    """Record the actor's answers to some or all of the questions, each signed with their
    session; an answer equal to the one that counts now is not recorded again (a retry).

    Locks the poll's row for update, as closing does, so that an answer racing the close is
    either counted or refused with a message, never lost. Returns the answers recorded.
    """
    if not session_key:
        raise ServiceError(_("Sign in again: each answer is signed with your session."))
    if not answers:
        raise ServiceError(_("Answer at least one question."), field="answers")
    seen: set[int] = set()
    for given in answers:
        if given.opinion not in Opinion.values:
            raise ServiceError(_("Answer agree, disagree or comment only."), field="answers")
        if given.question in seen:
            raise ServiceError(_("Each question is answered once."), field="answers")
        seen.add(given.question)
        if len(given.comment) > MAX_COMMENT:
            raise ServiceError(
                _("A comment is at most %d characters long.") % MAX_COMMENT, field="answers"
            )
        if given.opinion == Opinion.COMMENT and not given.comment.strip():
            raise ServiceError(_("Write your comment, or agree or disagree."), field="answers")
    session = signing.session_hash(session_key)
    try:
        with transaction.atomic():
            consultation = _lock(consultation)
            if consultation.status == Consultation.Status.DRAFT:
                raise ServiceError(_("This poll has not been sent yet."))
            now = timezone.now()
            if consultation.status != Consultation.Status.OPEN or consultation.deadline <= now:
                raise ServiceError(
                    _(
                        "This poll is closed (the deadline was %(deadline)s); answers are no "
                        "longer accepted."
                    )
                    % {"deadline": _local(consultation.deadline)}
                )
            if not Recipient.objects.filter(consultation=consultation, user=actor).exists():
                raise PermissionDenied(
                    _("This poll was sent to the members with a voting right; you were not asked.")
                )
            questions = set(consultation.questions.values_list("pk", flat=True))
            if not seen <= questions:
                raise ServiceError(_("Answer the questions of this poll."), field="answers")
            # Ordered by revision, so the latest revision of each question is the one kept.
            current = {
                answer.question_id: answer
                for answer in Answer.objects.filter(
                    consultation=consultation, user=actor, question__in=seen
                ).order_by("revision")
            }
            recorded = []
            for given in answers:
                comment = given.comment.strip()
                before = current.get(given.question)
                if before is not None and (before.opinion, before.comment) == (
                    given.opinion,
                    comment,
                ):
                    continue
                answer = Answer(
                    consultation=consultation,
                    question_id=given.question,
                    user=actor,
                    revision=before.revision + 1 if before else 1,
                    opinion=given.opinion,
                    comment=comment,
                    answered_at=now,
                    session_hash=session,
                )
                answer.signature = signing.sign(signing.text_of(answer))
                recorded.append(answer)
            Answer.objects.bulk_create(recorded)
    except IntegrityError:
        # The same person's other request took the same revision number first.
        raise ServiceError(
            _("Your answer was changed from elsewhere at the same moment. Reload and try again.")
        ) from None
    return recorded


def _local(moment: datetime.datetime) -> str:
    return dates.moment(moment)


def consultation_close(
    *, actor: User | None, consultation: Consultation, now: datetime.datetime | None = None
) -> Consultation:
    """Close the poll and tally each question against all its recipients under the body's
    rules; the recipients, the figures and the explanations are frozen into the result.

    `actor` None is the close at the deadline. The secretariat may close earlier only once
    every recipient has answered every question: before that, a member may still answer.
    Locks the poll's row for update: answers in flight either committed before (and are
    counted) or see the poll closed (and are refused).
    """
    if actor is not None:
        require(
            permissions.can_manage_consultations(actor, consultation.body),
            _("Only the body's secretariat closes a written-opinion poll."),
        )
    now = now or timezone.now()
    with transaction.atomic():
        consultation = _lock(consultation)
        if consultation.status != Consultation.Status.OPEN:
            raise ServiceError(_("Only a poll awaiting answers can be closed."))
        early = consultation.deadline > now
        if early:
            if actor is None:
                raise ServiceError(_("The deadline has not come yet."))
            waiting = len(selectors.unanswered_recipients(consultation))
            if waiting:
                raise ServiceError(
                    _(
                        "%(count)s members have not answered every question yet; the poll "
                        "closes by itself at its deadline."
                    )
                    % {"count": waiting}
                )
        consultation.status = Consultation.Status.CLOSED
        consultation.closed_at = now
        # Frozen in the site's language, like the votes' results: it is part of the record.
        with translation.override(settings.LANGUAGE_CODE):
            consultation.result = _result(consultation, early=early)
        consultation.save()
        notice_services.notices_send(
            recipient_ids=_chair_ids(consultation.body),
            notice=notice_services.Outgoing(
                kind=kinds.CONSULTATION_CLOSED,
                params={"subject": consultation.subject},
                link=_path(consultation, "detail"),
                key=f"consultation-{consultation.pk}-closed",
            ),
        )
        _audit(Entry.Action.CONSULTATION_CLOSED, actor, consultation)
    return consultation


def _chair_ids(body: Body) -> list[int]:
    today = timezone.localdate()
    return [
        membership.user_id
        for membership in Membership.objects.filter(body=body, role=Membership.Role.CHAIR)
        if membership.is_current_on(today)
    ]


def _result(consultation: Consultation, *, early: bool) -> dict[str, object]:
    body = consultation.body
    rules = body.decision_rules
    recipients = selectors.recipient_ids(consultation)
    answers = selectors.current_answers(consultation)
    chairs = {
        membership.user_id
        for membership in Membership.objects.filter(body=body, role=Membership.Role.CHAIR)
        if membership.is_current_on(timezone.localdate())
    }
    results = []
    for question in selectors.questions(consultation):
        opinions = [
            answers[(question.pk, user_id)].opinion
            for user_id in recipients
            if (question.pk, user_id) in answers
        ]
        count = tally.QuestionCount(
            agree=opinions.count(Opinion.AGREE),
            disagree=opinions.count(Opinion.DISAGREE),
            comment_only=opinions.count(Opinion.COMMENT),
            recipients=len(recipients),
        )
        chair_opinion = next(
            (
                answers[(question.pk, user_id)].opinion
                for user_id in sorted(chairs)
                if user_id in recipients and (question.pk, user_id) in answers
            ),
            "",
        )
        outcome = tally.decide_question(rules, count, chair_opinion=chair_opinion)
        results.append(tally.question_result(question.pk, question.text, count, outcome))
    return {
        "recipients": recipients,
        "members": len(recipients),
        "closed_early": early,
        "questions": results,
    }


def consultations_close_due(*, now: datetime.datetime | None = None) -> int:
    """Close the open polls whose deadline has come (run every minute)."""
    now = now or timezone.now()
    closed = 0
    for consultation in Consultation.objects.filter(
        status=Consultation.Status.OPEN, deadline__lte=now
    ).select_related("body"):
        try:
            consultation_close(actor=None, consultation=consultation, now=now)
        except ServiceError:
            continue  # closed by someone else meanwhile
        closed += 1
    return closed


def consultation_decide(
    *,
    actor: User,
    consultation: Consultation,
    text: str,
    adopted: bool | Mapping[int, bool] | None,
) -> Consultation:
    """The chair records the decision taken on a closed poll: its text, and for each question
    whether it is adopted (`adopted` maps every question's id to that; one bool decides every
    question alike). The poll as a whole is adopted when every question is, not adopted when
    none is, and neither (None) when they split."""
    require(
        permissions.is_chair(actor, consultation.body),
        _("Only the chair records the decision on a written-opinion poll."),
    )
    text = text.strip()
    if not text:
        raise ServiceError(_("Write the decision."), field="text")
    if adopted is None:
        raise ServiceError(_("Say whether the proposal is adopted."), field="adopted")
    with transaction.atomic():
        consultation = _lock(consultation)
        if consultation.status == Consultation.Status.DECIDED:
            raise ServiceError(_("The decision on this poll has already been recorded."))
        if consultation.status != Consultation.Status.CLOSED:
            raise ServiceError(_("The decision is recorded once the poll has closed."))
        questions = list(consultation.questions.order_by("position"))
        decisions = (
            dict.fromkeys((q.pk for q in questions), adopted)
            if isinstance(adopted, bool)
            else dict(adopted)
        )
        if set(decisions) != {q.pk for q in questions}:
            raise ServiceError(
                _("Say for each question of the poll whether it is adopted."), field="adopted"
            )
        for question in questions:
            question.adopted = decisions[question.pk]
        Question.objects.bulk_update(questions, ["adopted"])
        outcomes = set(decisions.values())
        consultation.status = Consultation.Status.DECIDED
        consultation.decision_text = text
        consultation.adopted = outcomes.pop() if len(outcomes) == 1 else None
        consultation.decided_by = actor
        consultation.decided_at = timezone.now()
        consultation.save()
    return consultation


def due_reminder_hours(consultation: Consultation, now: datetime.datetime) -> list[int]:
    """The reminder times that have come. A time that passed before the poll was sent is
    skipped: the poll itself arrived after it."""
    if consultation.sent_at is None or consultation.deadline <= now:
        return []
    return [
        hours
        for hours in consultation.reminder_hours
        if consultation.sent_at <= consultation.deadline - datetime.timedelta(hours=hours) <= now
    ]


def reminders_send_due(*, now: datetime.datetime | None = None) -> int:
    """Remind the recipients who have not answered every question, at each of the poll's
    reminder times: by e-mail (after commit) and with the notice on their pages. Returns how
    many people were reminded.

    Each (poll, person, reminder time) is recorded before the e-mail leaves, under the poll's
    row lock and a unique constraint: two workers running at once remind each person once.
    When several reminder times have come since the last run (the worker was down), the person
    gets one e-mail and every time is recorded.
    """
    now = now or timezone.now()
    reminded = 0
    for consultation in Consultation.objects.filter(
        status=Consultation.Status.OPEN, deadline__gt=now
    ):
        due = due_reminder_hours(consultation, now)
        if not due:
            continue
        with transaction.atomic():
            consultation = _lock(consultation)
            if consultation.status != Consultation.Status.OPEN:
                continue
            waiting = selectors.unanswered_recipients(consultation)
            done = set(
                Reminder.objects.filter(
                    consultation=consultation, user_id__in=waiting, hours_before__in=due
                ).values_list("user_id", "hours_before")
            )
            rows = [
                Reminder(consultation=consultation, user_id=user_id, hours_before=hours)
                for user_id in waiting
                for hours in due
                if (user_id, hours) not in done
            ]
            Reminder.objects.bulk_create(rows)
            people = sorted({row.user_id for row in rows})
            if people:
                # One notice for the latest reminder time, like the one e-mail.
                key = f"consultation-{consultation.pk}-reminder-{min(due)}h"
                notice_services.notices_send(
                    recipient_ids=people,
                    notice=notice_services.Outgoing(
                        kind=kinds.CONSULTATION_REMINDER,
                        params={
                            "subject": consultation.subject,
                            "deadline": _local(consultation.deadline),
                        },
                        link=_path(consultation),
                        key=key,
                    ),
                )
                _mail(consultation, people, kind="reminder", key=key)
            reminded += len(people)
    return reminded


def _path(consultation: Consultation, page: str = "answer") -> str:
    return reverse(f"consultations:{page}", args=[consultation.body_id, consultation.pk])


def consultation_url(consultation: Consultation) -> str:
    return settings.SITE_URL + _path(consultation)


def _mail(consultation: Consultation, user_ids: Sequence[int], *, kind: str, key: str) -> None:
    """Queue the e-mails in the caller's transaction; they leave after its commit, and are
    retried while the mail server refuses them (notices.emails), so a mail server that is down
    never undoes the change. Those who asked for reminders in the inbox only get none."""
    people = User.objects.filter(pk__in=list(user_ids)).exclude(email="")
    if kind == "reminder":
        people = people.exclude(
            pk__in=notice_selectors.email_opted_out(list(user_ids), kinds.CONSULTATION_REMINDER)
        )
    users = list(people)
    languages = notice_selectors.email_languages([user.pk for user in users])
    questions = selectors.questions(consultation)
    emails = []
    for user in users:
        # In the language the person chose for the site.
        with translation.override(languages[user.pk]):
            if kind == "reminder":
                subject = _("Reminder: your written opinion on %(subject)s") % {
                    "subject": header_safe(consultation.subject)
                }
            else:
                subject = _("Written-opinion poll: %(subject)s") % {
                    "subject": header_safe(consultation.subject)
                }
            emails.append(
                notice_emails.Email(
                    recipient_id=user.pk,
                    key=key,
                    to=user.email,
                    subject=subject,
                    body=render_to_string(
                        "consultations/email/notice.txt",
                        {
                            "consultation": consultation,
                            "member": user,
                            "reminder": kind == "reminder",
                            "deadline": _local(consultation.deadline),
                            "url": consultation_url(consultation),
                            "questions": questions,
                        },
                    ),
                )
            )
    notice_emails.emails_queue(emails=emails)
