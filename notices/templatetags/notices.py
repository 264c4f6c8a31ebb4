from typing import Any

from django import template

from notices import selectors

register = template.Library()


@register.inclusion_tag("notices/bell.html", takes_context=True)
def notices_bell(context: dict[str, Any]) -> dict[str, Any]:
    """The bell in every page's header, with the reader's unread count."""
    # A page rendered without the request in its context (an error page) gets no count.
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"unread": selectors.unread_count(user) if user and user.is_authenticated else 0}
