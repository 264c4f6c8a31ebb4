"""How the archive compares words, as plain functions: without case and without diacritics, so
that "LUẬT", "luật" and "luat" are one word and "đ" is "d"; a query's words must all appear,
each as a whole word or as the start of one ("nghi" finds "nghị định", "Hương" does not find
"Chương"); whole words rank above beginnings.

PostgreSQL does the same with its text search configuration "archive" (documents' migration
0003: the 'simple' dictionary after 'unaccent'); SQLite (`make run`) calls `rank` through the
SQL functions that `register_sqlite_functions` installs.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

WORD = re.compile(r"\w+")
WHOLE_WORD = 1.0
BEGINNING = 0.5


def fold(text: str) -> str:
    """ "Đức LUẬT" -> "duc luat": lowercase, and each letter reduced to its base letter."""
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def terms(query: str) -> list[str]:
    """The query's words, folded; punctuation and operators are not words."""
    return WORD.findall(fold(query))


def rank(words: list[str], *texts: str) -> float:
    """0 when a word is missing from the texts; otherwise WHOLE_WORD for each word found whole
    and BEGINNING for each found only as the start of a longer word."""
    found = set(WORD.findall(fold(" ".join(texts))))
    total = 0.0
    for word in words:
        if word in found:
            total += WHOLE_WORD
        elif any(candidate.startswith(word) for candidate in found):
            total += BEGINNING
        else:
            return 0.0
    return total


def json_text(value: str | None) -> str:
    """Every string inside a JSON document, one per line: SQLite stores JSON with its
    non-ASCII letters escaped, which no text comparison could read."""
    if not value:
        return ""
    strings: list[str] = []

    def collect(node: Any) -> None:
        if isinstance(node, str):
            strings.append(node)
        elif isinstance(node, dict):
            for item in node.values():
                collect(item)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(json.loads(value))
    return "\n".join(strings)


def _sql_rank(query: str | None, *texts: str | None) -> float:
    return rank(terms(query or ""), *(text or "" for text in texts))


def register_sqlite_functions(connection: Any) -> None:
    """Install `archive_rank(query, text...)` and `archive_json_text(json)` on a SQLite
    connection (both deterministic: same input, same answer)."""
    connection.create_function("archive_rank", -1, _sql_rank, deterministic=True)
    connection.create_function("archive_json_text", 1, json_text, deterministic=True)
