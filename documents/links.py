"""Download links that cannot be guessed and do not last.

A link carries a token signed with the site's secret that binds one version to one person and
to the session it was made in, and expires after DOCUMENTS_LINK_SECONDS. Using it checks
everything again: the person must be the one signed in, in that same session (a link copied to
another browser, or kept past signing out, is refused), and must still hold the right to
download (a member whose access was revoked since, or whose paper was handed back, is refused).
Every refusal is the same 404. The token holds a keyed hash of the session key, never the key
itself, which would let anyone who reads the link (a proxy's log) take over the session.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.http import Http404
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from documents import permissions
from documents.models import DocumentVersion
from meetings.permissions import AnyUser

SALT = "documents.download-link"


def _session_binding(session_key: str | None) -> str:
    """A keyed hash of the session key; empty without a session, which then matches none."""
    return salted_hmac(SALT, session_key).hexdigest() if session_key else ""


def download_token(*, user: User, version: DocumentVersion, session_key: str | None) -> str:
    return signing.dumps(
        {"v": version.pk, "u": user.pk, "s": _session_binding(session_key)}, salt=SALT
    )


def download_path(*, user: User, version: DocumentVersion, session_key: str | None) -> str:
    token = download_token(user=user, version=version, session_key=session_key)
    return reverse("documents:file", kwargs={"token": token})


def link_seconds() -> int:
    return int(settings.DOCUMENTS_LINK_SECONDS)


def version_for_token(user: AnyUser, token: str, session_key: str | None) -> DocumentVersion:
    """The version a link names, if it is the user's own, made in this session, unexpired, and
    they may still download the document."""
    try:
        claims = signing.loads(token, salt=SALT, max_age=link_seconds())
    except signing.BadSignature:  # tampered, made up or expired
        raise Http404("No such file.") from None
    if not user.is_authenticated or not isinstance(claims, dict) or claims.get("u") != user.pk:
        raise Http404("No such file.")
    binding = _session_binding(session_key)
    if not binding or not constant_time_compare(str(claims.get("s", "")), binding):
        raise Http404("No such file.")
    version_id = claims.get("v")
    if not isinstance(version_id, int):
        raise Http404("No such file.")
    version = (
        DocumentVersion.objects.filter(pk=version_id)
        .select_related("document__meeting__body")
        .first()
    )
    if version is None:
        raise Http404("No such file.")
    document = permissions.access_document(user, version.document_id, permissions.DOWNLOAD_DOCUMENT)
    version.document = document
    return version
