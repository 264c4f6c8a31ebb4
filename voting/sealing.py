"""Secret ballots sealed while their vote is open.

A secret ballot is not written to the ballot table when it is cast: that row would share its
transaction id (PostgreSQL's `xmin`), its neighbourhood on disk (`ctid`, SQLite's `rowid`) and
its place in a dump with the row that records who voted. It is sealed instead, encrypted with
AES-GCM (the `cryptography` library, which pyHanko already brings) under a key derived from the
server's SECRET_KEY and the poll, and padded to one length so that its size does not tell a
"yes" from an "abstain". Whoever holds the database, a backup or the write-ahead log sees that a
sealed ballot was stored with a participation, never what it says.

When the vote closes, `unseal` opens every sealed ballot of the poll, and the close writes them
to the ballot table in one transaction, in a random order, and deletes the sealed ones: from then
on all ballots share one transaction id, and their order on disk and in a dump is a shuffle.
docs/secret-ballots.md has the threat model.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.utils.crypto import salted_hmac

NONCE_BYTES = 12
# Longer than the longest ballot: every one of 50 options chosen, with large ids.
PLAINTEXT_BYTES = 1024

Sealable = tuple[str, list[int]]  # (answer, chosen option ids)


def _key(poll_id: int) -> AESGCM:
    return AESGCM(salted_hmac("voting.sealed-ballot", str(poll_id), algorithm="sha256").digest())


def seal(poll_id: int, answer: str, choices: list[int]) -> bytes:
    plaintext = json.dumps({"answer": answer, "choices": choices}).encode()
    if len(plaintext) > PLAINTEXT_BYTES:
        raise ValueError("A ballot is longer than a sealed ballot holds.")
    nonce = os.urandom(NONCE_BYTES)
    padded = plaintext.ljust(PLAINTEXT_BYTES, b" ")
    return nonce + _key(poll_id).encrypt(nonce, padded, str(poll_id).encode())


def unseal(poll_id: int, sealed: Iterable[bytes]) -> list[Sealable]:
    """The ballots, in a random order whatever order they were stored in."""
    key = _key(poll_id)
    ballots = []
    for token in sealed:
        token = bytes(token)
        padded = key.decrypt(token[:NONCE_BYTES], token[NONCE_BYTES:], str(poll_id).encode())
        ballot = json.loads(padded)
        ballots.append((ballot["answer"], ballot["choices"]))
    secrets.SystemRandom().shuffle(ballots)
    return ballots
