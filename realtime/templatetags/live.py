"""The live regions' element ids, for the page script (static/js/live.js) to find which regions
its page shows."""

import json

from django import template

from realtime.regions import region_ids

register = template.Library()


@register.simple_tag
def live_region_ids() -> str:
    return json.dumps(region_ids(), separators=(",", ":"))
