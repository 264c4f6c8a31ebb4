"""The archive's search: minutes and meeting papers a user may read, found by their text.

Words are compared as minutes.search_text says: without case or diacritics ("ngan sach",
"NGÂN SÁCH" and "ngân sách" are the same words), each query word found whole or as the start of
a word, whole words ranked first. On PostgreSQL that is full-text search in the "archive"
configuration ('unaccent' then 'simple': there is no Vietnamese stemmer), with every query
word a prefix (`word:*`) and the rank of the whole words counted twice. Documents are searched
in the text pdftotext read at upload (`DocumentVersion.text`, GIN expression index in documents'
migration 0003) and their title. Minutes are searched in their stored vector
(`Minutes.search_vector`, GIN index in minutes' migration 0004, refilled in 0005), made from the
sections' titles and texts and the record's strings by `minutes_index`, which every service
that changes the text calls in its transaction (never a save() signal). On SQLite (`make run`)
the same comparison runs in Python through SQL functions (minutes.search_text), row by row:
no index, no highlighting, good for a demonstration's few meetings.

Only what the user may read is ever counted, ranked or shown: minutes as minutes.permissions
allows (signed ones to whoever sees the meeting, others only to the secretariat and the chair),
documents as documents.permissions allows (`documents_viewable_by`). Each page costs a fixed
number of queries: a count and one fetch per kind, however many hits there are.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.db import connection
from django.db.models import Exists, F, FloatField, Func, OuterRef, Q, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Left
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from guardian.shortcuts import get_objects_for_user

from agendas.models import AgendaItem
from documents.models import DocumentVersion
from documents.permissions import documents_viewable_by
from meetings import permissions as meeting_permissions
from meetings.models import Body, Meeting
from meetings.permissions import AnyUser
from minutes.models import Minutes
from minutes.search_text import terms

CONFIG = "archive"
PAGE_SIZE = 20
# Deeper pages fetch every earlier hit of both kinds to merge them by rank; nobody reads page 50.
MAX_PAGE = 50
MAX_QUERY_LENGTH = 200
KINDS = ("minutes", "document")
# ts_headline's markers: characters no paper uses, replaced by <mark> after escaping the text.
START, STOP = "\u27e6", "\u27e7"

# The minutes' narrative as one text: each section's title and text.
SECTIONS_TEXT = (
    "(SELECT string_agg(concat_ws(E'\\n', s->>'title', s->>'text'), E'\\n') "
    "FROM jsonb_array_elements(minutes_minutes.sections) s)"
)
# What is searched: the narrative, and every string of the record (names, items, decisions).
MINUTES_VECTOR = (
    f"to_tsvector('{CONFIG}'::regconfig, COALESCE({SECTIONS_TEXT}, '')) || "
    f"jsonb_to_tsvector('{CONFIG}'::regconfig, minutes_minutes.record, '[\"string\"]')"
)


def minutes_index(minutes: Minutes) -> None:
    """Store the minutes' search vector from their text as saved (one query; none on SQLite,
    where the archive matches substrings). Call after saving a change of the sections or the
    record, in the same transaction: the search then never sees text without its vector."""
    if not _postgres():
        return
    Minutes.objects.filter(pk=minutes.pk).update(
        # Fixed SQL without parameters: nothing of the user's reaches it.
        search_vector=RawSQL(MINUTES_VECTOR, [], output_field=SearchVectorField())  # noqa: S611
    )


@dataclass(frozen=True)
class ArchiveQuery:
    text: str
    body: Body | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    item: str = ""
    kind: str = ""


@dataclass(frozen=True)
class Hit:
    kind: str
    title: str
    snippet: SafeString
    url: str
    rank: float
    meeting_id: int
    meeting_title: str
    meeting_date: datetime.datetime
    body_name: str
    item_title: str


@dataclass(frozen=True)
class ArchivePage:
    hits: list[Hit]
    count: int
    page: int
    pages: int


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _queries(text: str) -> tuple[SearchQuery, SearchQuery]:
    """(whole words, words or their beginnings), as tsqueries: the words are letters and
    digits only (minutes.search_text.terms), so nothing of the user's is read as an operator."""
    words = terms(text)
    whole = SearchQuery(" & ".join(words), config=CONFIG, search_type="raw")
    beginnings = SearchQuery(
        " & ".join(f"{word}:*" for word in words), config=CONFIG, search_type="raw"
    )
    return whole, beginnings


def _headline(field: str, search: SearchQuery) -> SearchHeadline:
    return SearchHeadline(
        field,
        search,
        config=CONFIG,
        start_sel=START,
        stop_sel=STOP,
        max_words=35,
        min_words=15,
    )


def _highlighted(headline: str) -> SafeString:
    # The headline is the paper's own text: escape it, then turn the markers into <mark>.
    return mark_safe(  # noqa: S308  (escaped just before)
        escape(headline).replace(START, "<mark>").replace(STOP, "</mark>")
    )


def _meeting_filters(query: ArchiveQuery, prefix: str) -> Q:
    q = Q()
    if query.body is not None:
        q &= Q(**{f"{prefix}body": query.body})
    if query.date_from is not None:
        q &= Q(**{f"{prefix}starts_at__date__gte": query.date_from})
    if query.date_to is not None:
        q &= Q(**{f"{prefix}starts_at__date__lte": query.date_to})
    return q


def minutes_search(user: AnyUser, query: ArchiveQuery) -> QuerySet[Minutes]:
    """The minutes the user may read that match, best first, with `rank` and `headline`."""
    if not user.is_authenticated:
        return Minutes.objects.none()
    writers = get_objects_for_user(
        user,
        [meeting_permissions.MANAGE_MEETING, meeting_permissions.RUN_MEETING],
        klass=Meeting,
        any_perm=True,
        accept_global_perms=False,
    )
    seen = meeting_permissions.meetings_for_user(user)
    minutes = Minutes.objects.filter(
        Q(meeting__in=writers.values("pk"))
        | Q(meeting__in=seen.values("pk"), status=Minutes.Status.SIGNED)
    ).filter(_meeting_filters(query, "meeting__"))
    if query.item:
        items = AgendaItem.objects.filter(meeting=OuterRef("meeting"), title__icontains=query.item)
        minutes = minutes.filter(Exists(items))
    if _postgres():
        whole, beginnings = _queries(query.text)
        minutes = (
            minutes.filter(search_vector=beginnings)
            .annotate(
                # Fixed SQL without parameters: nothing of the user's reaches it.
                narrative=RawSQL(SECTIONS_TEXT, [], output_field=TextField()),  # noqa: S611
            )
            .annotate(
                rank=2 * SearchRank(F("search_vector"), whole)
                + SearchRank(F("search_vector"), beginnings),
                headline=_headline("narrative", beginnings),
            )
        )
    else:
        minutes = minutes.annotate(
            rank=Func(
                Value(query.text),
                Func("sections", function="archive_json_text"),
                Func("record", function="archive_json_text"),
                function="archive_rank",
                output_field=FloatField(),
            ),
            headline=Value(""),
        ).filter(rank__gt=0)
    return (
        minutes.select_related("meeting__body")
        .defer("pdf", "search_vector")
        .order_by("-rank", "-meeting__starts_at", "pk")
    )


def document_search(user: AnyUser, query: ArchiveQuery) -> QuerySet[DocumentVersion]:
    """The latest versions of the documents the user may view that match, best first, with
    `rank` and `headline`."""
    later = DocumentVersion.objects.filter(
        document=OuterRef("document"), number__gt=OuterRef("number")
    )
    versions = (
        DocumentVersion.objects.filter(document__in=documents_viewable_by(user).values("pk"))
        .exclude(Exists(later))
        .filter(_meeting_filters(query, "document__meeting__"))
    )
    if query.item:
        versions = versions.filter(document__agenda_item__title__icontains=query.item)
    if _postgres():
        whole, beginnings = _queries(query.text)
        weighted = SearchVector("document__title", config=CONFIG, weight="A") + SearchVector(
            "text", config=CONFIG, weight="B"
        )
        versions = (
            versions.annotate(
                # The same expression as the GIN index on the text.
                text_vector=SearchVector("text", config=CONFIG),
                title_vector=SearchVector("document__title", config=CONFIG),
            )
            .filter(Q(text_vector=beginnings) | Q(title_vector=beginnings))
            .annotate(
                rank=2 * SearchRank(weighted, whole) + SearchRank(weighted, beginnings),
                headline=_headline("text", beginnings),
            )
        )
    else:
        versions = versions.annotate(
            rank=Func(
                Value(query.text),
                "document__title",
                "text",
                function="archive_rank",
                output_field=FloatField(),
            ),
            headline=Left("text", 240),
        ).filter(rank__gt=0)
    return (
        versions.select_related("document__meeting__body", "document__agenda_item")
        .defer("page_digests")
        .order_by("-rank", "-document__meeting__starts_at", "pk")
    )


def _minutes_hit(minutes: Minutes) -> Hit:
    meeting = minutes.meeting
    return Hit(
        kind="minutes",
        title=minutes.number,
        snippet=_highlighted(getattr(minutes, "headline", "") or ""),
        url=reverse("minutes:minutes", args=[meeting.pk]),
        rank=float(getattr(minutes, "rank", 0.0)),
        meeting_id=meeting.pk,
        meeting_title=meeting.title,
        meeting_date=meeting.starts_at,
        body_name=meeting.body.name,
        item_title="",
    )


def _document_hit(version: DocumentVersion) -> Hit:
    document = version.document
    meeting = document.meeting
    return Hit(
        kind="document",
        title=document.title,
        snippet=_highlighted(getattr(version, "headline", "") or ""),
        url=reverse("documents:document", kwargs={"pk": meeting.pk, "doc_pk": document.pk}),
        rank=float(getattr(version, "rank", 0.0)),
        meeting_id=meeting.pk,
        meeting_title=meeting.title,
        meeting_date=meeting.starts_at,
        body_name=meeting.body.name,
        item_title=document.agenda_item.title if document.agenda_item else "",
    )


def archive_search(user: AnyUser, query: ArchiveQuery, page: int = 1) -> ArchivePage:
    """One page of hits of both kinds, merged by rank. Four queries at most: each kind is
    counted and its best `page * PAGE_SIZE` hits fetched, since any of them may make the page."""
    page = max(1, min(page, MAX_PAGE))
    end = page * PAGE_SIZE
    hits: list[Hit] = []
    count = 0
    if query.kind in ("", "minutes"):
        minutes = minutes_search(user, query)
        count += minutes.count()
        hits += [_minutes_hit(m) for m in minutes[:end]]
    if query.kind in ("", "document"):
        versions = document_search(user, query)
        count += versions.count()
        hits += [_document_hit(v) for v in versions[:end]]
    hits.sort(key=lambda hit: (-hit.rank, -hit.meeting_date.timestamp()))
    pages = max(1, min(MAX_PAGE, -(-count // PAGE_SIZE)))
    return ArchivePage(hits=hits[end - PAGE_SIZE : end], count=count, page=page, pages=pages)
