from django import template

register = template.Library()


@register.filter
def clock(seconds: int | None) -> str:
    """Seconds as minutes and seconds ("4:05"), as the clocks on the screens show them."""
    minutes, rest = divmod(int(seconds or 0), 60)
    return f"{minutes}:{rest:02d}"
