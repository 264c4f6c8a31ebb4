from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notices.models import Notice, NoticeEmail


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["recipient__username", "key"]
    readonly_fields = ["recipient", "kind", "params", "link", "key", "created_at", "read_at"]


@admin.register(NoticeEmail)
class NoticeEmailAdmin(admin.ModelAdmin):
    """What became of notices' e-mails; those the mail server kept refusing are `failed`."""

    list_display = ["to", "subject", "state", "attempts", "next_attempt_at", "last_error"]
    list_filter = [
        ("failed_at", admin.EmptyFieldListFilter),
        ("sent_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["to", "key", "recipient__username"]
    readonly_fields = [field.name for field in NoticeEmail._meta.fields]
    actions = ["try_again"]

    @admin.display(description=_("state"))
    def state(self, email: NoticeEmail) -> str:
        if email.sent_at is not None:
            return str(_("sent"))
        if email.failed_at is not None:
            return str(_("failed"))
        return str(_("waiting"))

    @admin.action(description=_("Try the selected e-mails again"))
    def try_again(self, request: HttpRequest, queryset: QuerySet[NoticeEmail]) -> None:
        retried = queryset.filter(sent_at__isnull=True).update(
            failed_at=None, attempts=0, next_attempt_at=timezone.now()
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d e-mail will be tried again by the worker.",
                "%(count)d e-mails will be tried again by the worker.",
                retried,
            )
            % {"count": retried},
        )
