"""What the views of every app share about requests and responses."""

from __future__ import annotations

from typing import IO

from django.contrib.auth.models import User
from django.http import FileResponse, HttpRequest
from django.utils.text import slugify


class AuthenticatedHttpRequest(HttpRequest):
    """The request type of views behind login_required: `request.user` is a real user."""

    user: User


def pdf_response(source: IO[bytes], *, title: str, suffix: str = "", inline: bool) -> FileResponse:
    """How every paper leaves the server, whichever app holds it: a PDF named after its title,
    never kept in a cache (where it would outlive the reader's right to see it) and never
    telling the next site where it came from."""
    # slugify drops letters without an ASCII decomposition: "đ" would vanish ("nghi-inh").
    ascii_title = title.replace("đ", "d").replace("Đ", "D")
    filename = f"{slugify(ascii_title) or 'document'}{suffix}.pdf"
    response = FileResponse(
        source, as_attachment=not inline, filename=filename, content_type="application/pdf"
    )
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "no-referrer"
    return response
