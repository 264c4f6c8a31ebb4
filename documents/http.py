"""How every paper leaves the server, whichever app holds it."""

from __future__ import annotations

from typing import IO

from django.http import FileResponse
from django.utils.text import slugify


def pdf_response(source: IO[bytes], *, title: str, suffix: str = "", inline: bool) -> FileResponse:
    """A PDF named after its title, never kept in a cache (where it would outlive the reader's
    right to see it) and never telling the next site where it came from."""
    # slugify drops letters without an ASCII decomposition: "đ" would vanish ("nghi-inh").
    ascii_title = title.replace("đ", "d").replace("Đ", "D")
    filename = f"{slugify(ascii_title) or 'document'}{suffix}.pdf"
    response = FileResponse(
        source, as_attachment=not inline, filename=filename, content_type="application/pdf"
    )
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "no-referrer"
    return response
