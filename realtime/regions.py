"""Live regions: the parts of the meeting pages that an event changes, rendered by the server
once per audience and carried to every screen in the event's frame.

A page shows a region as an element with the region's id; the page script morphs the element
into the HTML the frame carries, keeping focus and typed text (docs/realtime-protocol.md). The
domain apps register their regions (in their AppConfig.ready) with the event types that change
them; this module knows no domain app.

- A shared region looks the same to everyone with the same rights on the meeting and the same
  language: it is rendered once per (language, rights) audience, however many screens show it.
- A personal region shows one person's own state (their check-in, their request to speak): it
  is rendered for the people an event concerns, in each language, and sent only to them.
- A room display (realtime.displays) is an audience of its own, marked by the right `DISPLAY`:
  it receives only the shared regions registered as `displayed`, drawn for it (never the roll
  call, the comments, the attendance lists or anyone's own boxes), and an event's payload only
  for the event types registered with `register_display_payloads`.

After a commit, both are rendered only for the audiences, and the people in the languages, that
have a socket on the meeting then (realtime.audiences); the others' sockets are told to fetch.

A page follows only the shared regions it shows. Each region declares the ids of the elements it
draws (`ids`); the page script finds which regions have an element on its page and names them
when it connects; that page's audience (`Audience.shows`) gets those regions alone, and a region
that no open page shows is not rendered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation

from realtime.audiences import Held

logger = logging.getLogger(__name__)

# The right that marks a room display's audience. It is no permission anyone holds: the meetings
# app gives it to displays alone, alongside what a display may see of the meeting.
DISPLAY = "realtime.display"


@dataclass(frozen=True)
class Audience:
    language: str
    # The subscriber's rights on the meeting, as realtime.access gives them.
    rights: frozenset[str]
    # The shared regions its page shows, by name; None for every region (a client that names
    # none, and the audiences rendered when nobody says which are held).
    shows: frozenset[str] | None = None

    @property
    def key(self) -> str:
        return audience_key(self.language, self.rights, self.shows)


def audience_key(language: str, rights: Iterable[str], shows: Iterable[str] | None = None) -> str:
    names = "*" if shows is None else ",".join(sorted(shows))
    return f"{language}|{','.join(sorted(rights))}|{names}"


def parse_audience(key: str) -> Audience | None:
    """The audience an `audience_key` names; None unless its language, rights and regions are
    ones this site has."""
    parts = key.split("|")
    if len(parts) != 3:
        return None
    language, rights_text, names = parts
    rights = frozenset(filter(None, rights_text.split(",")))
    shows = None if names == "*" else frozenset(filter(None, names.split(",")))
    if language not in languages() or rights not in _audiences:
        return None
    if shows is not None and not shows <= region_names():
        return None
    return Audience(language, rights, shows)


def same_for_all(rights: frozenset[str]) -> Hashable:
    return None


@dataclass(frozen=True)
class SharedRegion:
    """One or more elements of the pages, the same for everyone in an audience.

    `load` reads what the region shows once per event (with the event's payload, so that a
    list can re-render only the rows the event changed); `render` turns it into HTML, by
    element id, once per language and per `variant` of the audience's rights: audiences whose
    rights give the same variant share the rendering.
    """

    name: str
    # Event types (or prefixes ending in ".") that change what the region shows.
    on: tuple[str, ...]
    # The ids of the elements it draws: an id, or the start of ids that go on with a number
    # (ending in "-": "speakers-" for "speakers-12"). A page shows the region when it has one of
    # them; an element with any other id is never sent.
    ids: tuple[str, ...]
    load: Callable[[Any, dict[str, Any]], Any]
    render: Callable[[Any, frozenset[str]], dict[str, str]]
    variant: Callable[[frozenset[str]], Hashable] = same_for_all
    # Whether room displays show it: a display's audience gets no other region. `render` is
    # then called with rights that hold `DISPLAY` too, and draws what the big screen shows.
    displayed: bool = False

    def draws(self, element_id: str) -> bool:
        return any(
            element_id == known or (known.endswith("-") and element_id.startswith(known))
            for known in self.ids
        )


@dataclass(frozen=True)
class PersonalRegion:
    """A person's own element of the pages, rendered for them alone."""

    name: str
    # Event types that change it for the people the event names (publish's `people`)...
    on: tuple[str, ...]
    # ...and those that change it for everyone `everyone` lists (given the event's payload).
    on_everyone: tuple[str, ...]
    everyone: Callable[[Any, dict[str, Any]], Iterable[int]]
    # What each person's elements show, read once for all of them: {user id: data}. It gets
    # the event's payload, so that it can draw only what the event changed (one item's boxes).
    load: Callable[[Any, set[int], dict[str, Any]], dict[int, Any]]
    render: Callable[[Any], dict[str, str]]
    # Whether what `load` gives each person is a hashable state that draws the same for
    # everyone in it: then people in the same state share one rendering, and the start of a
    # session redraws a room's boxes from a handful of states, not once per person.
    by_state: bool = False


_shared: list[SharedRegion] = []
_personal: list[PersonalRegion] = []
_audiences: list[frozenset[str]] = []
_display_payloads: set[str] = set()


def register_audiences(rights_sets: Iterable[frozenset[str]]) -> None:
    """The rights a subscriber can have on a meeting: shared regions are rendered for each."""
    for rights in rights_sets:
        if rights not in _audiences:
            _audiences.append(rights)


def register_display_payloads(event_types: Iterable[str]) -> None:
    """Event types whose payload a room display receives, for its page script to use (a vote's
    turnout); every other event reaches a display with its regions and no payload."""
    _display_payloads.update(event_types)


def is_display(rights: frozenset[str]) -> bool:
    return DISPLAY in rights


def payload_shown(rights: frozenset[str], event_type: str) -> bool:
    """Whether an audience that may see an event receives its payload too."""
    return not is_display(rights) or event_type in _display_payloads


def register_shared(region: SharedRegion) -> None:
    if all(existing.name != region.name for existing in _shared):
        _shared.append(region)


def register_personal(region: PersonalRegion) -> None:
    if all(existing.name != region.name for existing in _personal):
        _personal.append(region)


def _changes(on: Sequence[str], event_type: str) -> bool:
    return any(event_type == t or (t.endswith(".") and event_type.startswith(t)) for t in on)


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def region_names() -> frozenset[str]:
    return frozenset(region.name for region in _shared)


def region_ids() -> dict[str, list[str]]:
    """Each shared region's element ids, by name: what the page script looks for."""
    return {region.name: list(region.ids) for region in _shared}


def shown_in(element_ids: Iterable[str]) -> frozenset[str]:
    """The shared regions shown by a page with these element ids: the names the page script
    sends when it connects (static/js/live.js finds them on the page the same way)."""
    present = set(element_ids)
    return frozenset(r.name for r in _shared if any(r.draws(i) for i in present))


def render_shared(
    meeting: Any,
    event_type: str,
    payload: dict[str, Any],
    restricted_to: str = "",
    held: Held | None = None,
) -> dict[Audience, dict[str, str]]:
    """Every shared region the event changes, per audience: {audience: {element id: html}}.

    Each region reads its data once and renders once per language and variant, so the cost
    follows the number of regions and audiences, never the number of screens. An event that
    only some may see (`restricted_to`) changes nothing the others are shown: their audiences
    get no regions at all, whatever the regions would draw for them. A room display's audience
    gets only the regions made for it, never a drawing shared with another audience, and each
    audience only the regions its page shows. With `held` (the audiences that have a socket on
    the meeting, realtime.audiences) only those are rendered: the others get no entry, and their
    sockets a frame that asks to fetch. Without, every audience is, with every region.
    """
    if held is None:
        audiences = [
            Audience(language, rights) for language in languages() for rights in _audiences
        ]
    else:
        audiences = [a for a in map(parse_audience, held.audiences) if a is not None]
    if not audiences:
        return {}
    shown = _shown(audiences)
    loads: dict[Callable[[Any, dict[str, Any]], Any], Any] = {}  # regions may share a load
    loaded = []
    for region in _shared:
        if _changes(region.on, event_type) and (shown is None or region.name in shown):
            if region.load not in loads:
                loads[region.load] = region.load(meeting, payload)
            loaded.append((region, loads[region.load]))
    by_audience: dict[Audience, dict[str, str]] = {}
    for language in languages():
        with translation.override(language):
            rendered: dict[tuple[str, bool, Hashable], dict[str, str]] = {}
            for audience in audiences:
                if audience.language != language:
                    continue
                html = by_audience.setdefault(audience, {})
                if restricted_to and restricted_to not in audience.rights:
                    continue
                display = is_display(audience.rights)
                for region, data in loaded:
                    if display and not region.displayed:
                        continue
                    if audience.shows is not None and region.name not in audience.shows:
                        continue
                    variant = (region.name, display, region.variant(audience.rights))
                    if variant not in rendered:
                        rendered[variant] = _declared(region, region.render(data, audience.rights))
                    html.update(rendered[variant])
    return by_audience


def _shown(audiences: Iterable[Audience]) -> frozenset[str] | None:
    """The regions some of these audiences show; None when one shows them all."""
    shown: set[str] = set()
    for audience in audiences:
        if audience.shows is None:
            return None
        shown |= audience.shows
    return frozenset(shown)


def _declared(region: SharedRegion, html: dict[str, str]) -> dict[str, str]:
    """The elements the region declares: a page could not know that it shows another."""
    undeclared = [element_id for element_id in html if not region.draws(element_id)]
    if undeclared:
        logger.error("Region %r drew undeclared elements %s.", region.name, undeclared)
        return {k: v for k, v in html.items() if k not in undeclared}
    return html


def render_personal(
    meeting: Any,
    event_type: str,
    people: Iterable[int],
    payload: dict[str, Any] | None = None,
    held: Held | None = None,
) -> dict[str, dict[str, str]]:
    """The personal regions the event changes, per person and language: {"user|lang": {...}}.

    With `held`, only for the people, in the languages, that have a socket on the meeting."""
    named = set(people)
    per_person: dict[str, dict[str, str]] = {}
    for region in _personal:
        if _changes(region.on_everyone, event_type):
            targets = set(region.everyone(meeting, payload or {}))
        elif _changes(region.on, event_type):
            targets = named
        else:
            continue
        wanted: set[str] | None = None
        if held is not None and targets:
            wanted = held.people(personal_key(u, lang) for u in targets for lang in languages())
            targets = {int(key.split("|", 1)[0]) for key in wanted}
        if not targets:
            continue
        loaded = region.load(meeting, targets, payload or {})
        for language in languages():
            with translation.override(language):
                by_state: dict[Hashable, dict[str, str]] = {}
                for user_id, data in loaded.items():
                    key = personal_key(user_id, language)
                    if wanted is not None and key not in wanted:
                        continue
                    html = per_person.setdefault(key, {})
                    if not region.by_state:
                        html.update(region.render(data))
                        continue
                    if data not in by_state:
                        by_state[data] = region.render(data)
                    html.update(by_state[data])
    return per_person


def personal_key(user_id: int, language: str) -> str:
    return f"{user_id}|{language}"
