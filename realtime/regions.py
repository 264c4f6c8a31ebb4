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
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation

from realtime.audiences import Held

# The right that marks a room display's audience. It is no permission anyone holds: the meetings
# app gives it to displays alone, alongside what a display may see of the meeting.
DISPLAY = "realtime.display"


@dataclass(frozen=True)
class Audience:
    language: str
    # The subscriber's rights on the meeting, as realtime.access gives them.
    rights: frozenset[str]

    @property
    def key(self) -> str:
        return audience_key(self.language, self.rights)


def audience_key(language: str, rights: Iterable[str]) -> str:
    return f"{language}|{','.join(sorted(rights))}"


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
    load: Callable[[Any, dict[str, Any]], Any]
    render: Callable[[Any, frozenset[str]], dict[str, str]]
    variant: Callable[[frozenset[str]], Hashable] = same_for_all
    # Whether room displays show it: a display's audience gets no other region. `render` is
    # then called with rights that hold `DISPLAY` too, and draws what the big screen shows.
    displayed: bool = False


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
    gets only the regions made for it, never a drawing shared with another audience. With `held`
    (the audiences that have a socket on the meeting, realtime.audiences) only those are
    rendered: the others get no entry, and their sockets a frame that asks to fetch.
    """
    audiences = [
        Audience(language, rights)
        for language in languages()
        for rights in _audiences
        if held is None or audience_key(language, rights) in held.audiences
    ]
    if not audiences:
        return {}
    loads: dict[Callable[[Any, dict[str, Any]], Any], Any] = {}  # regions may share a load
    loaded = []
    for region in _shared:
        if _changes(region.on, event_type):
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
                    variant = (region.name, display, region.variant(audience.rights))
                    if variant not in rendered:
                        rendered[variant] = region.render(data, audience.rights)
                    html.update(rendered[variant])
    return by_audience


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
