"""The store's change log: which chunk ids each write to a space added or removed.

Every write to a space takes the data dir's write lock, records its chunk ids under the
space's next sequence number (first, as an intent), writes, and only then raises the
sequence number in the space collection's metadata. Another process checks for changes by
reading that one number (O(1), whatever the size of the space) and applies the rows the
writes in between added or removed, never reloading the space. A write interrupted between
its intent and its number leaves an intent that the next write to the space takes over,
so the ids it touched still reach the readers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

CHANGES_COLLECTION = "newsbot.changes"  # not "newsbot-…": it is no knowledge space
KEEP_CHANGES = 1000  # per space; a process further behind loads the space again
SEQ_KEY = "seq"


@dataclass(slots=True)
class Changes:
    """The net effect of consecutive writes: chunk ids to (re)load and to drop."""

    added: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)

    def apply(self, added: list[str], removed: list[str]) -> None:
        self.added.difference_update(removed)
        self.removed.update(removed)
        self.removed.difference_update(added)
        self.added.update(added)


def sequence(collection: Any) -> int:
    return int((collection.metadata or {}).get(SEQ_KEY, 0))


def _row_id(name: str, seq: int) -> str:
    return f"{name}/{seq}"


def _log(client: Any) -> Any:
    return client.get_or_create_collection(CHANGES_COLLECTION, embedding_function=None)


def record_intent(
    client: Any, name: str, seq: int, added: list[str], removed: list[str]
) -> Changes:
    """Write (or merge into an interrupted write's) the change numbered `seq`; returns what
    the interrupted write it takes over meant to change (nothing, as a rule)."""
    log = _log(client)
    row = _row_id(name, seq)
    earlier = log.get(ids=[row], include=["documents"])["documents"] or []
    taken_over = Changes()
    for document in earlier:
        before = json.loads(document)
        taken_over.apply(before["added"], before["removed"])
    changes = Changes(set(taken_over.added), set(taken_over.removed))
    changes.apply(added, removed)
    document = json.dumps({"added": sorted(changes.added), "removed": sorted(changes.removed)})
    log.upsert(
        ids=[row], embeddings=[[1.0]], documents=[document],
        metadatas=[{"space": name, SEQ_KEY: seq}],
    )  # fmt: skip
    if seq % 100 == 0:
        log.delete(where={"$and": [{"space": name}, {SEQ_KEY: {"$lte": seq - KEEP_CHANGES}}]})
    return taken_over


def changes_between(client: Any, name: str, known: int, current: int) -> Changes | None:
    """What the writes numbered known+1 … current did, or None when the log can't say."""
    if current - known > KEEP_CHANGES or current < known:
        return None
    rows = _log(client).get(
        where={"$and": [{"space": name}, {SEQ_KEY: {"$gt": known}}, {SEQ_KEY: {"$lte": current}}]},
        include=["documents", "metadatas"],
    )
    found = sorted(
        (int(meta[SEQ_KEY]), json.loads(doc))
        for doc, meta in zip(rows["documents"] or [], rows["metadatas"] or [], strict=True)
    )
    if [seq for seq, _ in found] != list(range(known + 1, current + 1)):
        return None
    changes = Changes()
    for _, change in found:
        changes.apply(change["added"], change["removed"])
    return changes
