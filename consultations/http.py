"""What the screens and the API both take from a request."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest

from consultations.models import Attachment
from core.http import pdf_response


def session_key(request: HttpRequest) -> str:
    """The key of the session the request came in (made now if it has none yet, as with HTTP
    Basic), which signs the answers."""
    session = request.session
    if not session.session_key:
        session.save()
    return session.session_key or ""


def attachment_response(attachment: Attachment) -> FileResponse:
    """A poll's paper, read in the browser."""
    return pdf_response(attachment.file.open("rb"), title=attachment.title, inline=True)
