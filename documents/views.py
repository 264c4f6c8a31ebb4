"""Documents screens: a meeting's papers per agenda item (with the secretariat's upload and
copy tracing), a paper's page (versions, download and view; for the secretariat also editing,
new versions and who may read it), and the file addresses themselves.

Views fetch with one `access_*` function (missing and forbidden are the same 404) and change
things through one service. A refusal re-renders the page with the reason and status 400;
nothing is written. Files go out with `Cache-Control: no-store`: a shared tablet's browser must
not keep a paper after its reader has gone.
"""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from agendas import selectors as agenda_selectors
from documents import forms, links, permissions, selectors, services
from documents.models import Access, Document, DocumentVersion
from meetings.errors import ServiceError
from meetings.forms import add_service_error
from meetings.http import AuthenticatedHttpRequest
from meetings.models import Meeting
from meetings.views import render_page


def _numbers(meeting: Meeting) -> dict[int, str]:
    return {row.item.pk: row.number for row in agenda_selectors.agenda_overview(meeting).rows}


def _require_secretariat(user: User, meeting: Meeting) -> None:
    # The secretariat's forms do not exist for others: the same 404 as a missing page.
    if not permissions.can_manage_documents(user, meeting):
        raise Http404("Only the secretariat manages documents.")


def _version_number(request: HttpRequest) -> int | None:
    raw = request.GET.get("version", "")
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise Http404("No such version.") from None


# Pages


def _documents_page(
    request: AuthenticatedHttpRequest,
    meeting: Meeting,
    *,
    upload_form: forms.UploadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    manager = permissions.can_manage_documents(user, meeting)
    context: dict[str, Any] = {
        "meeting": meeting,
        "sections": selectors.document_sections(meeting, user),
        "manager": manager,
        "published": permissions.packet_published(meeting),
    }
    if manager:
        context["upload_form"] = upload_form or forms.UploadForm(
            meeting=meeting, numbers=_numbers(meeting)
        )
        context["trace_form"] = forms.TraceForm()
    return render_page(
        request,
        "documents/documents.html",
        context,
        section="secretariat" if manager else "member",
        status=status,
    )


@login_required
@require_GET
def documents(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _documents_page(request, permissions.access_documents(request.user, pk))


def _document_page(
    request: AuthenticatedHttpRequest,
    document: Document,
    *,
    edit_form: forms.DocumentFieldsForm | None = None,
    replace_form: forms.ReplaceForm | None = None,
    grant_form: forms.GrantForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    meeting = document.meeting
    manager = permissions.can_manage_documents(user, meeting)
    row = selectors.document_row(user, document)
    context: dict[str, Any] = {
        "meeting": meeting,
        "document": document,
        "row": row,
        "manager": manager,
        "error": error,
        "may_download": permissions.DOWNLOAD_DOCUMENT in row.rights,
        "link_minutes": max(1, links.link_seconds() // 60),
    }
    if manager:
        numbers = _numbers(meeting)
        context.update(
            {
                "edit_form": edit_form
                or forms.DocumentFieldsForm(
                    meeting=meeting,
                    numbers=numbers,
                    initial={
                        "title": document.title,
                        "kind": document.kind,
                        "classification": document.classification,
                        "agenda_item": document.agenda_item_id,
                    },
                ),
                "replace_form": replace_form or forms.ReplaceForm(),
                "grant_form": grant_form
                or forms.GrantForm(people=selectors.grantable_people(meeting)),
                "grants": selectors.document_grants(document),
                "published": permissions.packet_published(meeting),
            }
        )
    return render_page(
        request,
        "documents/document.html",
        context,
        section="secretariat" if manager else "member",
        status=status,
    )


@login_required
@require_GET
def document_detail(request: AuthenticatedHttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    return _document_page(request, permissions.access_meeting_document(request.user, pk, doc_pk))


def _to_document(document: Document) -> HttpResponse:
    return redirect("documents:document", pk=document.meeting_id, doc_pk=document.pk)


# The secretariat's changes


@login_required
@require_POST
def document_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = permissions.access_documents(request.user, pk)
    _require_secretariat(request.user, meeting)
    form = forms.UploadForm(request.POST, request.FILES, meeting=meeting, numbers=_numbers(meeting))
    if form.is_valid():
        data = form.cleaned_data
        try:
            document = services.document_create(
                actor=request.user,
                meeting=meeting,
                file=data["file"],
                title=data["title"],
                kind=data["kind"],
                classification=data["classification"],
                agenda_item=data["agenda_item"],
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Document added."))
            return _to_document(document)
    return _documents_page(request, meeting, upload_form=form, status=400)


@login_required
@require_POST
def document_edit(request: AuthenticatedHttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    document = permissions.access_meeting_document(request.user, pk, doc_pk)
    _require_secretariat(request.user, document.meeting)
    form = forms.DocumentFieldsForm(
        request.POST, meeting=document.meeting, numbers=_numbers(document.meeting)
    )
    if form.is_valid():
        try:
            document = services.document_edit(
                actor=request.user, document=document, **form.cleaned_data
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Document saved."))
            return _to_document(document)
    return _document_page(request, document, edit_form=form, status=400)


@login_required
@require_POST
def document_replace(request: AuthenticatedHttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    document = permissions.access_meeting_document(request.user, pk, doc_pk)
    _require_secretariat(request.user, document.meeting)
    form = forms.ReplaceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            version = services.document_replace(
                actor=request.user, document=document, file=form.cleaned_data["file"]
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Version %(number)d added.") % {"number": version.number})
            return _to_document(document)
    return _document_page(request, document, replace_form=form, status=400)


@login_required
@require_POST
def document_grant(request: AuthenticatedHttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    document = permissions.access_meeting_document(request.user, pk, doc_pk)
    _require_secretariat(request.user, document.meeting)
    form = forms.GrantForm(request.POST, people=selectors.grantable_people(document.meeting))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.document_grant(
                actor=request.user,
                document=document,
                rights=data["rights"],
                user=data["user"],
                role=data["role"] or None,
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Access given."))
            return _to_document(document)
    return _document_page(request, document, grant_form=form, status=400)


@login_required
@require_POST
def document_revoke(request: AuthenticatedHttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    """Take one right, or all of them ("view"), from a person or a role, as listed on the
    paper's page."""
    document = permissions.access_meeting_document(request.user, pk, doc_pk)
    _require_secretariat(request.user, document.meeting)
    user: User | None = None
    user_id = request.POST.get("user", "")
    if user_id:
        user = User.objects.filter(pk=user_id).first() if user_id.isdigit() else None
        if user is None:
            return _document_page(request, document, error=_("No such person."), status=400)
    try:
        services.document_revoke(
            actor=request.user,
            document=document,
            rights=request.POST.getlist("rights"),
            user=user,
            role=request.POST.get("role") or None,
        )
    except ServiceError as error:
        return _document_page(request, document, error=error.message, status=400)
    messages.success(request, _("Access withdrawn."))
    return _to_document(document)


@login_required
@require_POST
def document_delete(request: AuthenticatedHttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    document = permissions.access_meeting_document(request.user, pk, doc_pk)
    _require_secretariat(request.user, document.meeting)
    try:
        services.document_delete(actor=request.user, document=document)
    except ServiceError as error:
        return _document_page(request, document, error=error.message, status=400)
    messages.success(request, _("Document deleted."))
    return redirect("documents:documents", pk=pk)


@login_required
@require_GET
def copy_trace(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Who received the stamped copy with the id printed on a leaked paper."""
    meeting = permissions.access_documents(request.user, pk)
    _require_secretariat(request.user, meeting)
    form = forms.TraceForm(request.GET)
    access: Access | None = None
    searched = form.is_valid()
    if searched:
        access = selectors.copy_trace(meeting, form.cleaned_data["copy_id"])
    return render_page(
        request,
        "documents/trace.html",
        {"meeting": meeting, "form": form, "access": access, "searched": searched},
        section="secretariat",
        status=200 if searched or not request.GET else 400,
    )


# Files


def _file_response(copy: services.Copy, *, inline: bool) -> FileResponse:
    version = copy.version
    filename = f"{slugify(version.document.title) or 'document'}-v{version.number}.pdf"
    source = io.BytesIO(copy.content) if copy.content is not None else version.file.open("rb")
    response = FileResponse(
        source, as_attachment=not inline, filename=filename, content_type="application/pdf"
    )
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_GET
def document_download(request: AuthenticatedHttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    """Send the reader on to a short-lived link of their own (see documents.links)."""
    version = _meeting_version(request, pk, doc_pk, permissions.DOWNLOAD_DOCUMENT)
    return redirect(links.download_path(user=request.user, version=version))


def _meeting_version(
    request: AuthenticatedHttpRequest, pk: int, doc_pk: int, perm: str
) -> DocumentVersion:
    version = permissions.access_version(request.user, doc_pk, _version_number(request), perm)
    if version.document.meeting_id != pk:
        raise Http404("No such document.")
    return version


@require_GET
def file(request: HttpRequest, token: str) -> HttpResponseBase:
    """A download link: the person's own, unexpired, and only while they may download."""
    version = links.version_for_token(request.user, token)
    assert isinstance(request.user, User)
    copy = services.version_open(
        reader=request.user,
        version=version,
        action=Access.Action.DOWNLOAD,
        session_key=request.session.session_key,
    )
    return _file_response(copy, inline=False)


@login_required
@require_GET
@xframe_options_sameorigin
def document_view(request: AuthenticatedHttpRequest, pk: int, doc_pk: int) -> HttpResponseBase:
    """The PDF for the in-page viewer: inline, never cached, stamped when confidential or
    secret. `?version=` picks an earlier version."""
    version = _meeting_version(request, pk, doc_pk, permissions.VIEW_DOCUMENT)
    copy = services.version_open(
        reader=request.user,
        version=version,
        action=Access.Action.VIEW,
        session_key=request.session.session_key,
    )
    return _file_response(copy, inline=True)
