from typing import Any

from django import template

from notices import selectors

register = template.Library()


@register.inclusion_tag("notices/bell.html", takes_context=True)
def notices_bell(context: dict[str, Any]) -> dict[str, Any]:
    """The bell in every page's header, with the reader's unread count."""
    user = context["request"].user
    return {"unread": selectors.unread_count(user) if user.is_authenticated else 0}
