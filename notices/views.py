from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from core.http import AuthenticatedHttpRequest
from notices import kinds, selectors, services


@login_required
@require_GET
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    notices = [
        (notice, kinds.render(notice.kind, notice.params))
        for notice in selectors.notice_list_for_user(request.user)
    ]
    return render(
        request,
        "notices/inbox.html",
        {
            "notices": notices,
            "email_choices": selectors.email_choices(request.user),
            "section": "notices",
        },
    )


@login_required
@require_POST
def notice_open(request: AuthenticatedHttpRequest, notice_id: int) -> HttpResponseRedirect:
    """Mark the notice read and go where it points."""
    notice = selectors.access_notice(request.user, notice_id)
    services.notice_mark_read(actor=request.user, notice=notice)
    # Links are written by the services as paths on this site; never send anyone elsewhere.
    if notice.link and url_has_allowed_host_and_scheme(notice.link, allowed_hosts=None):
        return redirect(notice.link)
    return redirect("notices:inbox")


@login_required
@require_POST
def notices_read_all(request: AuthenticatedHttpRequest) -> HttpResponseRedirect:
    services.notices_mark_all_read(actor=request.user)
    return redirect("notices:inbox")


@login_required
@require_POST
def email_choices(request: AuthenticatedHttpRequest) -> HttpResponseRedirect:
    # Unknown kinds in the form are ignored: only the offered checkboxes count.
    by_email = set(request.POST.getlist("email")) & kinds.EMAILED.keys()
    services.email_choices_set(actor=request.user, by_email=by_email)
    messages.success(request, _("Your e-mail choices are saved."))
    return redirect("notices:inbox")


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's language switch; a signed-in person's choice also sets the language of their
    notices' e-mails."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.email_language_set(actor=request.user, language=language)
    return response
