"""The packet screens: the members' packet page, the reader (pdf.js in the browser) with the
member's private notes, the packet PDF, and the secretariat's read receipts.

Views fetch with one `access_*` function and change things through one service. A refusal
re-renders the page with the reason and status 400; nothing is written.
"""

from __future__ import annotations

import io
from typing import Any

import pikepdf
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from documents import permissions, selectors, services, watermark
from documents.models import Document, DocumentVersion
from meetings import permissions as meeting_permissions
from meetings.errors import ServiceError
from meetings.http import AuthenticatedHttpRequest
from meetings.models import Meeting
from meetings.views import render_page
from realtime import selectors as realtime_selectors

STAMPED = {Document.Classification.CONFIDENTIAL, Document.Classification.SECRET}


def _packet_page(
    request: AuthenticatedHttpRequest, meeting: Meeting, *, error: str = "", status: int = 200
) -> HttpResponse:
    overview = selectors.packet_overview(meeting, request.user)
    return render_page(
        request,
        "documents/packet.html",
        {
            "meeting": meeting,
            "overview": overview,
            "error": error,
            # The page follows the meeting: it is fetched again when the packet is published.
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


def _download_url(document: Document) -> str | None:
    # The single-document download belongs to the documents' own screens, where it exists.
    try:
        return reverse("documents:download", args=[document.pk])
    except NoReverseMatch:
        return None


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
            "pdf_url": reverse("documents:version_inline", args=[document.pk, version.number]),
            "download_url": _download_url(document) if can_download else None,
            "notes": selectors.note_list(document, request.user),
            "can_annotate": permissions.ANNOTATE_DOCUMENT in rights,
            "read_version": read,
            "changed_pages": changed,
            "page": min(max(page, 1), version.pages),
            "error": error,
        },
        section="member",
        status=status,
    )


@login_required
@require_GET
def reader(request: AuthenticatedHttpRequest, document_pk: int) -> HttpResponse:
    return _reader_page(request, permissions.access_document(request.user, document_pk))


@login_required
@require_GET
def version_inline(
    request: AuthenticatedHttpRequest, document_pk: int, number: int
) -> HttpResponseBase:
    """One version's PDF, inline, for the reader; confidential and secret ones are stamped
    with the reader's name and the time. Opening it is a read receipt."""
    document = permissions.access_document(request.user, document_pk)
    try:
        version = DocumentVersion.objects.get(document=document, number=number)
    except DocumentVersion.DoesNotExist:
        raise Http404("No such version.") from None
    version.document = document
    services.version_viewed(
        actor=request.user, version=version, session_key=request.session.session_key
    )
    if document.classification in STAMPED:
        out = io.BytesIO()
        with pikepdf.open(version.file.path) as pdf:
            reader_name = request.user.get_full_name() or request.user.username
            watermark.stamp(pdf, [reader_name, f"{timezone.now():%Y-%m-%d %H:%M} UTC"])
            pdf.save(out)
        out.seek(0)
        body: Any = out
    else:
        body = version.file.open("rb")
    response = FileResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response


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
