"""Writing to the audit trail and checking it.

`record` appends one entry inside the caller's transaction: the entry is kept if and only if
the act is. Appends lock the chain's head row, so concurrent writers take turns and the chain
never forks; the lock is held until the act's transaction ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import GENESIS, Entry, Head

# How many entries verification reads from the database at a time.
CHUNK = 2000


def record(
    action: str,
    *,
    actor: User | AnonymousUser | None,
    person: User | None = None,
    person_name: str = "",
    meeting_id: int | None = None,
    document_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> Entry:
    """Append one entry. `details` must be JSON of strings, integers, lists and objects (no
    floats: their text could change on the way through the database and break the hash)."""
    if action not in Entry.Action.values:
        raise ValueError(f"Unknown audit action {action!r}.")
    # Only a signed-in person is named; AnonymousUser has no id.
    acting = actor if isinstance(actor, User) else None
    with transaction.atomic():
        head, _created = Head.objects.select_for_update().get_or_create(pk=1)
        entry = Entry(
            seq=head.seq + 1,
            at=timezone.now(),
            action=action,
            actor_id=acting.pk if acting is not None else None,
            actor_name=acting.get_username() if acting is not None else "",
            person_id=person.pk if person is not None else None,
            person_name=person.get_username() if person is not None else person_name,
            meeting_id=meeting_id,
            document_id=document_id,
            details=details or {},
            prev_hash=head.hash,
        )
        entry.hash = entry.digest()
        entry.save()
        head.seq, head.hash = entry.seq, entry.hash
        head.save(update_fields=["seq", "hash"])
    return entry


@dataclass(frozen=True)
class Verification:
    """The result of checking the chain: `seq` names the first entry found wrong (or missing)."""

    entries: int
    head: str
    problem: str = ""
    seq: int | None = None

    @property
    def intact(self) -> bool:
        return not self.problem


def check(entries: Iterable[Entry], head: Head | None) -> Verification:
    """Walk the chain in order: every entry must be numbered one after the last, follow its
    hash and hash to what it stores; and the chain must end where the head says."""
    expected, prev = 1, GENESIS
    for entry in entries:
        if entry.seq != expected:
            return Verification(
                expected - 1,
                prev,
                _("Entry %(seq)s is missing: it was deleted.") % {"seq": expected},
                expected,
            )
        if entry.prev_hash != prev:
            return Verification(
                expected - 1,
                prev,
                _(
                    "Entry %(seq)s does not follow entry %(before)s: an entry was inserted, "
                    "removed or changed here."
                )
                % {"seq": entry.seq, "before": entry.seq - 1},
                entry.seq,
            )
        if entry.digest() != entry.hash:
            return Verification(
                expected - 1,
                prev,
                _("Entry %(seq)s was altered: its content no longer matches its hash.")
                % {"seq": entry.seq},
                entry.seq,
            )
        expected, prev = expected + 1, entry.hash
    count = expected - 1
    head_seq, head_hash = (head.seq, head.hash) if head is not None else (0, GENESIS)
    if (count, prev) != (head_seq, head_hash):
        return Verification(
            count,
            prev,
            _(
                "The trail ends at entry %(count)s but its head names entry %(head)s: entries "
                "were removed from its end or added to it."
            )
            % {"count": count, "head": head_seq},
            min(count, head_seq) + 1,
        )
    return Verification(count, prev)


def verify() -> Verification:
    """Check the whole trail, reading it in chunks, as one snapshot of the database: the head
    and the entries as they stood at one moment, whatever is appended meanwhile."""
    connection = transaction.get_connection()
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            connection.cursor().execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        head = Head.objects.filter(pk=1).first()
        entries = Entry.objects.order_by("seq").iterator(chunk_size=CHUNK)
        return check(entries, head)
