"""Full HTML pages: the header every page shows around its content.

What the header shows depends on who is looking, which only the domain apps know: the
meetings app registers it in its AppConfig.ready with `register_header`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

HeaderContext = Callable[[User | AnonymousUser], dict[str, Any]]
_header: list[HeaderContext] = []


def register_header(context: HeaderContext) -> None:
    """Add what the header needs to know about the person looking (read for every page)."""
    _header.append(context)


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    section: str,
    status: int = 200,
) -> HttpResponse:
    """Render a full page; `section` marks the header link the page belongs to. A view may
    set a header value itself; the registered ones fill in the rest."""
    for header in _header:
        for key, value in header(request.user).items():
            context.setdefault(key, value)
    context["section"] = section
    return render(request, template, context, status=status)
