"""What the screens and the API both take from a request."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest
from django.utils.text import slugify

from consultations.models import Attachment


def session_key(request: HttpRequest) -> str:
    """The key of the session the request came in (made now if it has none yet, as with HTTP
    Basic), which signs the answers."""
    session = request.session
    if not session.session_key:
        session.save()
    return session.session_key or ""


def attachment_response(attachment: Attachment) -> FileResponse:
    """A poll's paper, read in the browser: inline, and never kept in a cache, where it would
    outlive the reader's right to see it."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=False,
        filename=f"{slugify(attachment.title) or 'paper'}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "no-referrer"
    return response
