from typing import Any

from django import template
from django.utils import timezone

from notices import selectors
from notices.live import cursor

register = template.Library()


@register.inclusion_tag("notices/bell.html", takes_context=True)
def notices_bell(context: dict[str, Any]) -> dict[str, Any]:
    """The bell in every page's header, with the reader's unread count."""
    # A page rendered without the request in its context (an error page) gets no count.
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"unread": selectors.unread_count(user) if user and user.is_authenticated else 0}


@register.simple_tag
def notices_since() -> int:
    """The time the page is drawn, for its socket to replay the notices written after it
    (static/js/notices.js, notices.live.notices_replay)."""
    return cursor(timezone.now())
