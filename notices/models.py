from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notice(models.Model):
    """Something one person is told in the application (and perhaps by e-mail). Its text is
    rendered when it is read, in the reader's language, from `kind` and `params`
    (notices/kinds.py). `key` names the occasion: the database keeps one notice per person and
    key, so a reminder sent by two workers, or again after a restart, is there once."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(_("kind"), max_length=50)
    params = models.JSONField(_("details"), default=dict)
    link = models.CharField(_("link"), max_length=500, blank=True)
    key = models.CharField(_("key"), max_length=200)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notice_once_per_key")
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notice_unread")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class EmailOptOut(models.Model):
    """That a person wants a kind of notice in the inbox only, not also by e-mail. E-mail is
    sent unless such a row exists."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_opt_outs"
    )
    kind = models.CharField(_("kind"), max_length=50)

    class Meta:
        verbose_name = _("e-mail opt-out")
        verbose_name_plural = _("e-mail opt-outs")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="email_opt_out_once")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind}"


class NoticeEmail(models.Model):
    """A notice's e-mail, kept until the mail server has taken it (notices/emails.py): a send
    that fails is tried again later, with growing waits, and after the last attempt is marked
    failed for the administrator to see. One per person and key, like the notice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_emails"
    )
    key = models.CharField(_("key"), max_length=200)
    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("given up at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("notice e-mail")
        verbose_name_plural = _("notice e-mails")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notice_email_once_per_key")
        ]
        # The sender's query: what is still to be tried, by when.
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="notice_email_due",
                condition=models.Q(sent_at__isnull=True, failed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.to}"


class EmailLanguage(models.Model):
    """The language a person last chose for the site, recorded when they choose it: their
    notices' e-mails are written in it. Without a row, in the site's language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    language = models.CharField(_("language"), max_length=10)

    class Meta:
        verbose_name = _("e-mail language")
        verbose_name_plural = _("e-mail languages")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language}"
