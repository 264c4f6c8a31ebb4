"""The secretariat's page of the audit trail: the entries, filtered, and the chain's check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from audit import forms, permissions, selectors, trail
from core.http import AuthenticatedHttpRequest
from core.pages import render_page

PAGE_SIZE = 100


@login_required
@require_GET
def trail_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    permissions.access_trail(request.user)
    form = forms.TrailFilter(request.GET)
    status = 200
    if form.is_valid():
        entries = selectors.entry_list(
            person=form.cleaned_data["person"].strip(),
            meeting_id=form.cleaned_data["meeting"],
            document_id=form.cleaned_data["document"],
        )
    else:
        entries, status = selectors.entry_list().none(), 400
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("verify", None)
    return render_page(
        request,
        "audit/trail.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "verification": trail.verify() if "verify" in request.GET else None,
        },
        section="audit",
        status=status,
    )
