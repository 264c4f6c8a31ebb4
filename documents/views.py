"""Documents screens: a meeting's papers per agenda item (with the secretariat's upload and
copy tracing), a paper's page (versions, download and view; for the secretariat also editing,
new versions and who may read it), the file addresses themselves, the members' packet page,
the reader (pdf.js in the browser) with private notes, the packet PDF, and the read receipts.

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
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agendas import selectors as agenda_selectors
from core.errors import ServiceError
from core.forms import add_service_error
from core.http import AuthenticatedHttpRequest, pdf_response
from core.pages import render_page
from documents import forms, links, permissions, regions, selectors, services
from documents.models import Access, Document, DocumentVersion
from meetings import permissions as meeting_permissions
from meetings.models import Meeting
from realtime import selectors as realtime_selectors


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
        # isdecimal(), not isdigit(): "²" is a digit, but int() refuses it.
        user = User.objects.filter(pk=user_id).first() if user_id.isdecimal() else None
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
    source = io.BytesIO(copy.content) if copy.content is not None else version.file.open("rb")
    return pdf_response(
        source, title=version.document.title, suffix=f"-v{version.number}", inline=inline
    )


@login_required
@require_GET
def document_download(request: AuthenticatedHttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    """Send the reader on to a short-lived link of their own (see documents.links)."""
    version = _meeting_version(request, pk, doc_pk, permissions.DOWNLOAD_DOCUMENT)
    return redirect(
        links.download_path(
            user=request.user, version=version, session_key=request.session.session_key
        )
    )


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
    version = links.version_for_token(request.user, token, request.session.session_key)
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


def _packet_page(
    request: AuthenticatedHttpRequest, meeting: Meeting, *, error: str = "", status: int = 200
) -> HttpResponse:
    return render_page(
        request,
        "documents/packet.html",
        {
            **regions.packet_context(meeting, request.user),
            "error": error,
            # The page follows the meeting: the packet is a personal region (documents.regions).
            "live_seq": realtime_selectors.live_seq(meeting),
        },
        section="member",
        status=status,
    )


@login_required
@require_GET
def packet(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _packet_page(request, meeting_permissions.access_meeting(request.user, pk))


@login_required
@require_POST
def packet_publication(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    meeting = meeting_permissions.access_meeting(request.user, pk)
    if action not in ("publish", "unpublish"):
        raise Http404("No such action.")
    if not meeting_permissions.can_manage_meeting(request.user, meeting):
        raise Http404("Only the secretariat publishes the packet.")
    try:
        if action == "publish":
            services.packet_publish(actor=request.user, meeting=meeting)
            messages.success(request, _("The packet is published; members have been told."))
            if timezone.now() >= selectors.reading_deadline(meeting):
                messages.warning(
                    request,
                    _(
                        "Published less than three days before the meeting: the regulation "
                        "asks for the papers to reach members three days ahead."
                    ),
                )
        else:
            services.packet_unpublish(actor=request.user, meeting=meeting)
            messages.success(request, _("The packet is withdrawn; members no longer see it."))
    except ServiceError as error:
        return _packet_page(request, meeting, error=error.message, status=400)
    return redirect("documents:packet", pk=meeting.pk)


def packet_response(actor: User, meeting: Meeting, session_key: str | None) -> FileResponse:
    """The reader's packet as a download, streamed from a temporary file."""
    try:
        built = services.packet_download(actor=actor, meeting=meeting, session_key=session_key)
    except PermissionDenied:
        raise Http404("No packet for this person.") from None
    response = FileResponse(
        built.file, as_attachment=True, filename=built.filename, content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def packet_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    meeting = meeting_permissions.access_meeting(request.user, pk)
    return packet_response(request.user, meeting, request.session.session_key)


@login_required
@require_GET
def read_receipts(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_permissions.access_meeting(
        request.user, pk, meeting_permissions.MANAGE_MEETING
    )
    return render_page(
        request,
        "documents/read_receipts.html",
        {
            "meeting": meeting,
            "receipts": selectors.read_receipts(meeting),
            "packet": selectors.packet_of(meeting),
        },
        section="secretariat",
    )


def _reader_page(
    request: AuthenticatedHttpRequest,
    document: Document,
    *,
    error: str = "",
    status: int = 200,
    page: int | None = None,
) -> HttpResponse:
    version = selectors.latest_version(document)
    if version is None:
        raise Http404("Nothing uploaded yet.")
    rights = permissions.document_rights(request.user, document)
    read = selectors.last_read_version(document, request.user)
    changed: list[int] = []
    if read is not None and read.number < version.number:
        changed = selectors.changed_pages(read.page_digests, version.page_digests)
    can_download = (
        permissions.DOWNLOAD_DOCUMENT in rights
        and document.classification != Document.Classification.SECRET
    )
    if page is None:
        try:
            page = int(request.GET.get("page", "1"))
        except ValueError:
            page = 1
    return render_page(
        request,
        "documents/reader.html",
        {
            "meeting": document.meeting,
            "document": document,
            "version": version,
            # The stamped, recorded copy the documents' own view serves (a read receipt).
            "pdf_url": reverse("documents:view", args=[document.meeting_id, document.pk])
            + f"?version={version.number}",
            "download_url": reverse("documents:download", args=[document.meeting_id, document.pk])
            if can_download
            else None,
            "notes": selectors.note_list(document, request.user),
            "can_annotate": permissions.ANNOTATE_DOCUMENT in rights,
            "read_version": read,
            "changed_pages": changed,
            "page": min(max(page, 1), version.pages),
            "error": error,
            "live_seq": realtime_selectors.live_seq(document.meeting),
            "presenting": regions.presenting_html(
                regions.presenting_state(selectors.presentation_for(document.meeting, request.user))
            ),
            "can_present": document.meeting.status == Meeting.Status.IN_SESSION
            and permissions.can_present(request.user, document.meeting),
        },
        section="member",
        status=status,
    )


@login_required
@require_GET
def reader(request: AuthenticatedHttpRequest, document_pk: int) -> HttpResponse:
    return _reader_page(request, permissions.access_document(request.user, document_pk))


@login_required
@require_POST
def present(request: AuthenticatedHttpRequest, document_pk: int) -> HttpResponse:
    """Show the room this page of the paper: tablets that follow the presenter go to it."""
    document = permissions.access_document(request.user, document_pk)
    page = _page_number(request)
    try:
        if page is None:
            raise ServiceError(_("Choose the page to show."), field="page")
        services.presentation_show(actor=request.user, document=document, page=page)
    except PermissionDenied as denied:
        return _reader_page(request, document, error=str(denied), status=403, page=page)
    except ServiceError as error:
        return _reader_page(request, document, error=error.message, status=400, page=page)
    return redirect(reverse("documents:reader", args=[document.pk]) + f"?page={page}")


def _page_number(request: AuthenticatedHttpRequest) -> int | None:
    try:
        return int(request.POST.get("page", ""))
    except ValueError:
        return None


@login_required
@require_POST
def note_create(request: AuthenticatedHttpRequest, document_pk: int) -> HttpResponse:
    document = permissions.access_document(request.user, document_pk)
    page = _page_number(request)
    try:
        if page is None:
            raise ServiceError(_("Choose the page the note is about."), field="page")
        services.note_add(
            actor=request.user, document=document, page=page, text=request.POST.get("text", "")
        )
    except PermissionDenied as denied:
        return _reader_page(request, document, error=str(denied), status=403)
    except ServiceError as error:
        return _reader_page(request, document, error=error.message, status=400, page=page)
    messages.success(request, _("Note saved. Only you can see it."))
    return redirect(reverse("documents:reader", args=[document.pk]) + f"?page={page}#notes")


@login_required
@require_POST
def note_edit(request: AuthenticatedHttpRequest, document_pk: int, note_pk: int) -> HttpResponse:
    note = permissions.access_note(request.user, document_pk, note_pk)
    try:
        services.note_edit(actor=request.user, note=note, text=request.POST.get("text", ""))
    except ServiceError as error:
        return _reader_page(request, note.document, error=error.message, status=400, page=note.page)
    messages.success(request, _("Note saved."))
    return redirect(reverse("documents:reader", args=[document_pk]) + f"?page={note.page}#notes")


@login_required
@require_POST
def note_delete(request: AuthenticatedHttpRequest, document_pk: int, note_pk: int) -> HttpResponse:
    note = permissions.access_note(request.user, document_pk, note_pk)
    services.note_delete(actor=request.user, note=note)
    messages.success(request, _("Note deleted."))
    return redirect(reverse("documents:reader", args=[document_pk]) + f"?page={note.page}#notes")
