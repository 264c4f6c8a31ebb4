"""The minutes screens: the secretary's editor, the chair's review, the two signatures, the
archived PDF, and the verification page (open to anyone, signed in or not).

Each view fetches with an `access_*` function (missing and forbidden are the same 404) and
changes things through one service. A refusal shows the minutes page again with the reason
and status 400; nothing is written.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import accounts
from core.errors import ServiceError
from core.http import AuthenticatedHttpRequest
from core.pages import render_page
from meetings import permissions as meeting_permissions
from meetings.models import Meeting
from minutes import action_views, api, archive, forms, keys, layout, permissions, selectors, verify
from minutes.models import Minutes
from minutes.services import links as link_services
from minutes.services import minutes as minutes_services
from minutes.services import signing as signing_services

S = Minutes.Status


def _page(
    request: AuthenticatedHttpRequest,
    meeting: Meeting,
    *,
    status: int = 200,
    error: str = "",
    return_form: forms.ReturnForm | None = None,
    sign_form: forms.SignForm | None = None,
    link_form: forms.ConsultationLinkForm | None = None,
) -> HttpResponse:
    user = request.user
    rights = meeting_permissions.meeting_rights(user, meeting)
    can_write = meeting_permissions.MANAGE_MEETING in rights
    can_review = meeting_permissions.RUN_MEETING in rights
    minutes = selectors.current_minutes(meeting)
    if minutes is not None and not permissions.minutes_visible(rights, minutes):
        # Members see only signed minutes: the latest signed ones, while a correction is drafted.
        signed = selectors.signed_minutes(meeting)
        minutes = signed[-1] if signed else None
    if minutes is None and not (can_write or can_review):
        raise Http404("No such minutes.")
    sign_role = ""
    if minutes is not None:
        if minutes.status == S.APPROVED and can_write:
            sign_role = "secretary"
        elif minutes.status == S.SECRETARY_SIGNED and can_review:
            sign_role = "chair"
    context: dict[str, Any] = {
        "meeting": meeting,
        "minutes": minutes,
        "error": error,
        "can_draft": minutes is None and can_write and meeting.status == Meeting.Status.CLOSED,
        "editable": minutes is not None and can_write and minutes.status in (S.DRAFT, S.RETURNED),
        "reviewable": minutes is not None and can_review and minutes.status == S.SUBMITTED,
        "sign_role": sign_role,
        "can_correct": minutes is not None and can_write and minutes.status == S.SIGNED,
        "return_form": return_form or forms.ReturnForm(),
        "sign_form": sign_form or forms.SignForm(),
        "token_signing": keys.token_signing_enabled(),
        # Offered to the signer whose turn it is, where the server keeps a key file for them.
        "stored_key": bool(sign_role) and keys.stored_key_available(user),
        "stored_key_passphrase": keys.stored_key_passphrase_asked(),
        # Signing asks who is there again when the last sign-in is not recent.
        "sign_confirmed": bool(sign_role) and accounts.recently_authenticated(request),
        "confirm_url": accounts.reauthentication_url(
            request, reverse("minutes:minutes", args=[meeting.pk])
        ),
        "signed": selectors.signed_minutes(meeting),
        "versions": list(minutes.versions.select_related("author")) if minutes else [],
        **_consultations_context(meeting, minutes, can_write, can_review, link_form),
        "signatures": list(minutes.signatures.select_related("signer")) if minutes else [],
        **action_views.minutes_page_context(request, meeting),
    }
    return render_page(request, "minutes/minutes.html", context, section="member", status=status)


def _consultations_context(
    meeting: Meeting,
    minutes: Minutes | None,
    can_write: bool,
    can_review: bool,
    link_form: forms.ConsultationLinkForm | None,
) -> dict[str, Any]:
    """The written-opinion polls the minutes report, for the secretariat and the chair; the
    secretariat links more (or takes one out) until the minutes are submitted."""
    if not (can_write or can_review):
        return {"linked_consultations": None}
    linkable = can_write and meeting.status != Meeting.Status.CANCELLED
    linkable = linkable and (minutes is None or minutes.status in link_services.EDITABLE_MINUTES)
    return {
        "linked_consultations": selectors.consultations_linked(meeting),
        "may_link": linkable,
        "link_form": (link_form or forms.ConsultationLinkForm(meeting=meeting))
        if linkable
        else None,
    }


@login_required
@require_GET
def minutes_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _page(request, meeting_permissions.access_meeting(request.user, pk))


def _apply(
    request: AuthenticatedHttpRequest, meeting: Meeting, change: Any, done: str, **forms_: Any
) -> HttpResponse:
    try:
        change()
    except ServiceError as error:
        return _page(request, meeting, status=400, error=error.message, **forms_)
    messages.success(request, done)
    return redirect("minutes:minutes", pk=meeting.pk)


@login_required
@require_POST
# Error reports (DEBUG pages, mails to ADMINS) must not show a key's passphrase or a token's PIN.
@sensitive_post_parameters("passphrase", "stored_passphrase", "pin")
def minutes_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    user = request.user
    if action == "draft":
        meeting = permissions.access_minutes_meeting(user, pk)
        return _apply(
            request,
            meeting,
            lambda: minutes_services.minutes_draft(actor=user, meeting=meeting),
            _("The draft is written from the record; check and complete it."),
        )
    minutes = permissions.access_minutes(user, pk)
    meeting = minutes.meeting
    if action == "edit":
        texts = {
            section["key"]: request.POST[f"section-{section['key']}"]
            for section in minutes.sections
            if f"section-{section['key']}" in request.POST
        }

        def edit_and_maybe_submit() -> None:
            minutes_services.minutes_edit(actor=user, minutes=minutes, texts=texts)
            if "submit" in request.POST:
                minutes_services.minutes_submit(actor=user, minutes=minutes)

        done = _("The minutes are submitted to the chair.") if "submit" in request.POST else ""
        return _apply(request, meeting, edit_and_maybe_submit, done or _("Saved."))
    if action == "approve":
        return _apply(
            request,
            meeting,
            lambda: minutes_services.minutes_approve(actor=user, minutes=minutes),
            _("The minutes are approved; the secretary signs them first."),
        )
    if action == "return":
        form = forms.ReturnForm(request.POST)
        if not form.is_valid():
            return _page(request, meeting, status=400, return_form=form)
        return _apply(
            request,
            meeting,
            lambda: minutes_services.minutes_return(
                actor=user, minutes=minutes, remarks=form.cleaned_data["remarks"]
            ),
            _("The minutes are returned to the secretary."),
            return_form=form,
        )
    if action == "sign":
        if not accounts.recently_authenticated(request):
            # Nothing typed for the signature is kept: the page asks again once confirmed.
            messages.warning(request, _("Confirm who you are before you sign."))
            return redirect(
                accounts.reauthentication_url(
                    request, reverse("minutes:minutes", args=[meeting.pk])
                )
            )
        sign_form = forms.SignForm(request.POST, request.FILES)
        if not sign_form.is_valid():
            return _page(request, meeting, status=400, sign_form=sign_form)
        data = sign_form.cleaned_data
        if data.get("stored_key"):
            return _apply(
                request,
                meeting,
                lambda: signing_services.minutes_sign_with_stored_key(
                    actor=user, minutes=minutes, passphrase=data.get("stored_passphrase", "")
                ),
                _("Your signature is on the minutes."),
            )
        if data.get("pin"):
            return _apply(
                request,
                meeting,
                lambda: signing_services.minutes_sign_with_token(
                    actor=user, minutes=minutes, pin=data["pin"]
                ),
                _("Your signature is on the minutes."),
            )
        return _apply(
            request,
            meeting,
            lambda: signing_services.minutes_sign(
                actor=user,
                minutes=minutes,
                pkcs12=data["pkcs12"].read(),
                passphrase=data["passphrase"],
            ),
            _("Your signature is on the minutes."),
        )
    if action == "correct":
        return _apply(
            request,
            meeting,
            lambda: minutes_services.minutes_correction_start(actor=user, minutes=minutes),
            _("A correction is started: edit it and submit it like the minutes."),
        )
    raise Http404("No such action.")


@login_required
@require_POST
def consultation_link(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = permissions.access_minutes_meeting(request.user, pk)
    form = forms.ConsultationLinkForm(request.POST, meeting=meeting)
    if not form.is_valid():
        return _page(request, meeting, status=400, link_form=form)
    return _apply(
        request,
        meeting,
        lambda: link_services.consultation_link(
            actor=request.user, meeting=meeting, consultation=form.cleaned_data["consultation"]
        ),
        _("The written-opinion poll is reported in the minutes."),
        link_form=form,
    )


@login_required
@require_POST
def consultation_unlink(
    request: AuthenticatedHttpRequest, pk: int, consultation_pk: int
) -> HttpResponse:
    link = permissions.access_linked_consultation(request.user, pk, consultation_pk)
    return _apply(
        request,
        link.meeting,
        lambda: link_services.consultation_unlink(actor=request.user, link=link),
        _("The written-opinion poll is taken out of the minutes."),
    )


@login_required
@require_GET
def minutes_preview(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The current text as it would print, for the secretary and the chair before approval
    (rendered on the fly, never stored)."""
    meeting = permissions.access_minutes_meeting(request.user, pk)
    minutes = permissions.access_minutes(request.user, meeting.pk)
    rendered = layout.render(selectors.document_of(minutes))
    response = HttpResponse(rendered.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="minutes-{meeting.pk}-preview.pdf"'
    return response


@login_required
@require_GET
def minutes_pdf(request: AuthenticatedHttpRequest, pk: int, minutes_pk: int) -> HttpResponse:
    minutes = permissions.access_minutes(request.user, pk, minutes_pk)
    if not minutes.pdf_sha256:
        raise Http404("No PDF yet.")
    return api.pdf_response(minutes)


def _verify_page(
    request: HttpRequest,
    *,
    form: forms.VerifyForm,
    result: dict[str, Any] | None = None,
    error: str = "",
    minutes: Minutes | None = None,
    file_name: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "result": result,
        "error": error,
        "archived": minutes,
        "file_name": file_name,
        # One verdict on top of the table, so that nobody has to read every cell.
        "all_ok": result is not None and all(check["ok"] for check in result["signatures"]),
    }
    if request.user.is_authenticated:
        return render_page(
            request,
            "minutes/verify.html",
            context,
            section="verify",
            status=status,
        )
    return render(request, "minutes/verify.html", {**context, "section": "verify"}, status=status)


@require_http_methods(["GET", "POST"])
def verify_upload(request: HttpRequest) -> HttpResponse:
    """Anyone may check a PDF: the result depends only on the file and the trust roots."""
    if request.method == "GET":
        return _verify_page(request, form=forms.VerifyForm())
    form = forms.VerifyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _verify_page(request, form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        result = api.verification(upload.read())
    except verify.VerificationError as error:
        return _verify_page(request, form=form, error=str(error), status=400)
    return _verify_page(request, form=forms.VerifyForm(), result=result, file_name=upload.name)


@login_required
@require_GET
def verify_archived(request: AuthenticatedHttpRequest, pk: int, minutes_pk: int) -> HttpResponse:
    minutes = permissions.access_minutes(request.user, pk, minutes_pk)
    if not minutes.pdf_sha256:
        raise Http404("No PDF yet.")
    pdf = bytes(Minutes.objects.values_list("pdf", flat=True).get(pk=minutes.pk) or b"")
    try:
        result = api.verification(pdf)
    except verify.VerificationError as error:
        # Approved but not yet signed: there is nothing to check yet.
        return _verify_page(request, form=forms.VerifyForm(), error=str(error), minutes=minutes)
    return _verify_page(request, form=forms.VerifyForm(), result=result, minutes=minutes)


def _archive_query(form: forms.ArchiveSearchForm) -> archive.ArchiveQuery:
    data = form.cleaned_data
    return archive.ArchiveQuery(
        text=data["q"],
        body=data.get("body"),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        item=data.get("item") or "",
        kind=data.get("kind") or "",
    )


@login_required
@require_GET
def archive_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The archive: an empty form at first; a search once words are given."""
    bodies = meeting_permissions.bodies_for_user(request.user)
    searched = bool(request.GET)
    form = forms.ArchiveSearchForm(request.GET if searched else None, bodies=bodies)
    result = None
    status = 200
    if searched:
        if form.is_valid():
            result = archive.archive_search(
                request.user, _archive_query(form), form.cleaned_data.get("page") or 1
            )
        else:
            status = 400
    query = request.GET.copy()
    query.pop("page", None)
    return render_page(
        request,
        "minutes/archive.html",
        {"form": form, "result": result, "query": query.urlencode()},
        section="archive",
        status=status,
    )
