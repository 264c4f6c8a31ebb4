"""The notice on every page of a member who has written-opinion polls to answer."""

from __future__ import annotations

from typing import Any

from django import template

from consultations import selectors

register = template.Library()


@register.inclusion_tag("consultations/_awaiting.html", takes_context=True)
def awaiting_answers(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"awaiting": []}
    return {"awaiting": selectors.awaiting_for_member(user)}
