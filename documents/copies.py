"""What a reader receives of a paper and what the access log keeps of them: stamped copies
and the session's digest."""

from __future__ import annotations

import datetime
import hashlib
import io
import uuid

import pikepdf
from django.contrib.auth.models import User

from documents import watermark
from documents.models import DocumentVersion


def session_digest(session_key: str | None) -> str:
    """What the access log keeps of a session: a digest, never the key itself."""
    return hashlib.sha256(session_key.encode()).hexdigest() if session_key else ""


def reader_name(user: User) -> str:
    """The name a stamped copy carries."""
    return user.get_full_name() or user.get_username()


def stamped_copy(
    version: DocumentVersion, *, reader: str, at: datetime.datetime, copy_id: uuid.UUID
) -> bytes:
    """The version with every page stamped with the reader, the time and the copy id."""
    with version.file.open("rb") as stored, pikepdf.open(stored) as pdf:
        watermark.stamp(pdf, watermark.watermark_lines(reader=reader, at=at, copy_id=copy_id))
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()
