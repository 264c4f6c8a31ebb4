"""The archive finds Vietnamese words as people type them: with or without diacritics, in
capitals or not, "đ" as "d", whole words before beginnings of words, and never a word inside
another ("Hương" is not in "Chương"). The same on PostgreSQL (the suite's database) and on
SQLite (`make run`, run here in a child process on a fresh SQLite file)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from minutes import archive, search_text
from minutes.models import Minutes
from tests.conftest import sqlite_copy
from tests.documents.conftest import Board, board  # noqa: F401  (fixtures)

SECTIONS = [
    {"key": "opening", "title": "Khai mạc", "text": "Thủ tướng Trần Quang Minh chủ trì phiên họp."},
    {
        "key": "item-1",
        "title": "1. Dự thảo Luật Đất đai",
        "text": "Thông qua dự thảo Nghị định về ngân sách tỉnh Quảng Trị.",
    },
    {"key": "conclusions", "title": "Kết luận", "text": "Giao Bộ trưởng Lê Văn Chương chủ trì."},
]
RECORD = {"secretary": "Lý Thu Hương", "items": [{"title": "Dự thảo Luật Đất đai"}]}
OTHER = [{"key": "conclusions", "title": "Kết luận", "text": "Phê duyệt đề án phát triển."}]

# (query, what it finds): "found" the minutes above, "none" nothing.
CASES = [
    ("ngân sách", "found"),
    ("ngan sach", "found"),
    ("NGÂN SÁCH", "found"),
    ("Trần Quang Minh", "found"),
    ("tran quang minh", "found"),
    ("Thông qua", "found"),
    ("quang tri", "found"),
    ("nghi dinh", "found"),
    ("LUẬT", "found"),
    ("luat dat dai", "found"),
    ("ĐẤT ĐAI", "found"),
    ("Hương", "found"),
    ("nghi", "found"),
    ("Chươn", "found"),
    ("uong", "none"),
    ("ngân sách Hà Nội", "none"),
]


def test_folding_keeps_each_letters_base() -> None:
    assert search_text.fold("Đức LUẬT Hương ẤY ỹ") == "duc luat huong ay y"
    assert search_text.terms("“Nghị định” số 30/2020!") == ["nghi", "dinh", "so", "30", "2020"]


def test_whole_words_rank_above_beginnings_and_inner_parts_do_not_count() -> None:
    text = "Lê Văn Chương và Lý Thu Hương"
    assert search_text.rank(["huong"], text) == search_text.WHOLE_WORD
    assert search_text.rank(["huon"], text) == search_text.BEGINNING
    assert search_text.rank(["uong"], text) == 0
    assert search_text.rank(["huong", "ha"], text) == 0


def minutes_with(board: Board, sections: list[dict[str, str]], number: str) -> Minutes:  # noqa: F811
    minutes = Minutes.objects.create(
        meeting=board.meeting,
        corrects=Minutes.objects.filter(meeting=board.meeting).last(),
        number=number,
        status=Minutes.Status.SIGNED,
        sections=sections,
        record=RECORD if number == "1/BB-HĐ" else {},
        language="vi",
        created_by=board.secretary,
    )
    archive.minutes_index(minutes)
    return minutes


def found(user: User, text: str) -> list[str]:
    page = archive.archive_search(user, archive.ArchiveQuery(text=text, kind="minutes"))
    return [hit.title for hit in page.hits]


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_postgresql_finds_words_as_they_are_typed(
    board: Board,  # noqa: F811
    query: str,
    expected: str,
) -> None:
    minutes_with(board, SECTIONS, "1/BB-HĐ")
    minutes_with(board, OTHER, "2/BB-HĐ")
    assert found(board.member, query) == (["1/BB-HĐ"] if expected == "found" else [])


def test_postgresql_ranks_whole_words_first_and_highlights_them(
    board: Board,  # noqa: F811
) -> None:
    minutes_with(board, [{"key": "a", "title": "A", "text": "Nghiên cứu đề án."}], "1/BB-HĐ")
    minutes_with(board, [{"key": "b", "title": "B", "text": "Nghị định về đề án."}], "2/BB-HĐ")
    assert found(board.member, "nghi") == ["2/BB-HĐ", "1/BB-HĐ"]
    page = archive.archive_search(board.member, archive.ArchiveQuery(text="nghi dinh"))
    assert "<mark>Nghị</mark> <mark>định</mark>" in page.hits[0].snippet


SQLITE_SCRIPT = """
import json, sys
import django
django.setup()
from django.core.management import call_command
from django.utils import timezone
import datetime
call_command("migrate", verbosity=0)
from django.contrib.auth.models import User
from meetings import permissions, services
from minutes import archive
from minutes.models import Minutes
sections, other, record, queries = json.loads(sys.stdin.read())
officer = User.objects.create(username="officer")
officer.groups.add(permissions.secretariat_group())
body = services.body_create(actor=officer, name="Hội đồng", kind="committee")
start = timezone.now() + datetime.timedelta(days=1)
meeting = services.meeting_create(
    actor=officer, body=body, title="Phiên họp", starts_at=start,
    ends_at=start + datetime.timedelta(hours=2), place="Phòng 1",
)
for number, text, rec in (("1/BB-HĐ", sections, record), ("2/BB-HĐ", other, {})):
    Minutes.objects.create(
        meeting=meeting, number=number, status="signed", sections=text, record=rec,
        language="vi", created_by=officer,
        corrects=Minutes.objects.filter(meeting=meeting).last(),
    )
result = {}
for query in queries:
    page = archive.archive_search(officer, archive.ArchiveQuery(text=query, kind="minutes"))
    result[query] = [hit.title for hit in page.hits]
print(json.dumps(result))
"""


def test_sqlite_finds_the_same_words_as_postgresql(tmp_path: Path, migrated_sqlite: Path) -> None:
    """`make run`'s database: the same cases, and whole words first."""
    ranking = [{"key": "b", "title": "B", "text": "Nghiên cứu."}]
    queries = [query for query, _ in CASES]
    env = {
        **os.environ,
        "DATABASE_URL": sqlite_copy(migrated_sqlite, tmp_path / "db.sqlite3"),
        "REDIS_URL": "",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "VAR_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", SQLITE_SCRIPT],
        input=json.dumps([SECTIONS, ranking, RECORD, [*queries, "nghi"]]),
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    for query, expected in CASES:
        assert result[query][:1] == (["1/BB-HĐ"] if expected == "found" else []), query
    # "Nghị" is a whole word in the first, "Nghiên" only begins with it in the second.
    assert result["nghi"] == ["1/BB-HĐ", "2/BB-HĐ"]
