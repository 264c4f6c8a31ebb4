"""The installable web app (its manifest and service worker), the offline reader page, the
device's JSON endpoints, and the secretariat's screen of the devices holding a meeting's papers.

The device's endpoints answer JSON, never a redirect to the sign-in page: the page must tell
"sign in again" (keep everything) from "not yours, not any more" (delete). Missing and forbidden
objects are the same 404; an expired session is a 401.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.dates import iso
from core.errors import ServiceError
from core.http import AuthenticatedHttpRequest, pdf_response
from core.pages import render_page
from documents import permissions as document_permissions
from meetings.models import Meeting
from offline import permissions, selectors, services
from offline.models import Device, Lease

# Cached by the service worker so that the offline reader opens without the network. A new
# list is a new cache (the worker's script changes with it, so browsers install it again).
SHELL_STATIC = [
    "css/app.css",
    "vendor/htmx.min.js",
    "vendor/idiomorph.min.js",
    "js/app.js",
    "js/live.js",
    "js/notices.js",
    "js/offline.js",
    "favicon.svg",
    "icons/icon-192.png",
    "vendor/pdfjs/pdf.min.mjs",
    "vendor/pdfjs/pdf.worker.min.mjs",
]
CACHE_VERSION = "2"


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, at the site's root so that its scope is the whole site."""
    response = render(
        request,
        "offline/sw.js",
        {
            "cache": f"offline-{CACHE_VERSION}",
            "reader_url": reverse("offline:reader"),
            "shell_json": json.dumps([static(path) for path in SHELL_STATIC]),
        },
        content_type="text/javascript; charset=utf-8",
    )
    # Browsers check for a new worker at every navigation; nothing may keep an old one.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: installed, the app opens on the member's meetings."""
    name = _("Paperless meetings")
    return JsonResponse(
        {
            "name": name,
            "short_name": _("Meetings"),
            "start_url": reverse("meetings:my_meetings"),
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#13294b",
            "icons": [
                {"src": static("favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
                {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            ],
            "shortcuts": [{"name": _("Offline papers"), "url": reverse("offline:reader")}],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


@login_required
@require_GET
def reader(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The offline reader: the meetings whose papers may be taken, and those on this device."""
    return render_page(
        request,
        "offline/reader.html",
        {"meetings": selectors.meetings_to_take(request.user)},
        section="member",
    )


# The device's endpoints

JsonView = Callable[..., HttpResponseBase]


def _device_endpoint(view: JsonView) -> JsonView:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return JsonResponse(
                {"error": _("Sign in again to bring your papers up to date.")}, status=401
            )
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return JsonResponse({"error": _("Not found.")}, status=404)
        except PermissionDenied as denied:
            return JsonResponse({"error": str(denied)}, status=403)
        except ServiceError as error:
            return JsonResponse({"error": error.message}, status=400)

    return wrapped


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ServiceError(_("The request is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise ServiceError(_("The request is not valid JSON."))
    return data


def _lease_data(lease: Lease) -> dict[str, Any]:
    return {
        "meeting": lease.meeting_id,
        "title": lease.meeting.title,
        "expires_at": iso(lease.expires_at),
        # A new key comes with a new issue: the page drops a key it wrapped under its PIN
        # before (docs/offline.md, "Opening without the network").
        "issued_at": iso(lease.issued_at),
        # Only ever in an answer to its signed-in owner, over the site's own connection.
        "key": base64.b64encode(bytes(lease.key)).decode(),
    }


def _kept_data(device: Device, kept: list[selectors.KeptMeeting]) -> dict[str, Any]:
    return {
        "device": str(device.pk),
        "meetings": [
            {
                **_lease_data(meeting.lease),
                "papers": [
                    {
                        "document": paper.document.pk,
                        "version": paper.version.number,
                        "pages": paper.version.pages,
                        "title": paper.document.title,
                        "classification": paper.document.get_classification_display(),
                        "url": reverse("offline:paper", args=[device.pk, paper.document.pk]),
                        "notes_url": reverse("documents_api:note-list", args=[paper.document.pk]),
                    }
                    for paper in meeting.papers
                ],
            }
            for meeting in kept
        ],
    }


@require_POST
@_device_endpoint
def device_register(request: AuthenticatedHttpRequest) -> JsonResponse:
    name = _body(request).get("name", "")
    if not isinstance(name, str):
        raise ServiceError(_("Name the device with some text."))
    device = services.device_register(actor=request.user, name=name)
    return JsonResponse({"device": str(device.pk)}, status=201)


@require_POST
@_device_endpoint
def lease_take(
    request: AuthenticatedHttpRequest, device_id: uuid.UUID, meeting_id: int
) -> JsonResponse:
    device = permissions.access_device(request.user, device_id)
    meeting = document_permissions.access_documents(request.user, meeting_id)
    services.lease_take(actor=request.user, device=device, meeting=meeting)
    return JsonResponse(_kept_data(device, selectors.papers_for_device(device)))


@require_POST
@_device_endpoint
def device_sync(request: AuthenticatedHttpRequest, device_id: uuid.UUID) -> JsonResponse:
    device = permissions.access_device(request.user, device_id)
    held = _body(request).get("held", [])
    if not isinstance(held, list) or not all(
        isinstance(item, int) and not isinstance(item, bool) for item in held
    ):
        raise ServiceError(_("List the papers held by their numbers."))
    kept = services.device_sync(actor=request.user, device=device, held=held)
    return JsonResponse(_kept_data(device, kept))


@require_GET
@_device_endpoint
def paper(
    request: AuthenticatedHttpRequest, device_id: uuid.UUID, document_id: int
) -> HttpResponseBase:
    device = permissions.access_device(request.user, device_id)
    document = document_permissions.access_document(
        request.user, document_id, document_permissions.DOWNLOAD_DOCUMENT
    )
    copy = services.paper_keep(
        actor=request.user,
        device=device,
        document=document,
        session_key=request.session.session_key,
    )
    source = io.BytesIO(copy.content) if copy.content is not None else copy.version.file.open("rb")
    return pdf_response(source, title=document.title, inline=True)


# The secretariat's screen


def _devices_page(
    request: AuthenticatedHttpRequest, meeting: Meeting, *, error: str = "", status: int = 200
) -> HttpResponse:
    return render_page(
        request,
        "offline/devices.html",
        {
            "meeting": meeting,
            "devices": selectors.device_list_for_meeting(meeting),
            "hours": selectors.period_hours(meeting),
            "default_hours": settings.OFFLINE_HOURS,
            "max_hours": services.MAX_HOURS,
            "error": error,
        },
        section="secretariat",
        status=status,
    )


@login_required
@require_GET
def devices(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _devices_page(request, permissions.access_meeting_devices(request.user, pk))


@login_required
@require_POST
def period_set(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = permissions.access_meeting_devices(request.user, pk)
    try:
        hours = int(request.POST.get("hours", ""))
    except ValueError:
        return _devices_page(
            request, meeting, error=_("Give the period in whole hours."), status=400
        )
    try:
        services.period_set(actor=request.user, meeting=meeting, hours=hours)
    except ServiceError as error:
        return _devices_page(request, meeting, error=error.message, status=400)
    messages.success(
        request,
        _("Devices that take the papers from now on keep them %(hours)d hours.") % {"hours": hours},
    )
    return redirect("offline:devices", pk=meeting.pk)


@login_required
@require_POST
def device_wipe(request: AuthenticatedHttpRequest, pk: int, device_id: uuid.UUID) -> HttpResponse:
    lease = permissions.access_meeting_lease(request.user, pk, device_id)
    services.lease_wipe(actor=request.user, lease=lease)
    messages.success(
        request,
        _(
            "Wiped: the device deletes the papers the next time it is online, and can no "
            "longer decrypt them."
        ),
    )
    return redirect("offline:devices", pk=pk)
