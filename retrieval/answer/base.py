"""What the engine asks of an answerer.

    answerer = build_answerer(settings, embedder)  # retrieval.answer.factory
    query = answerer.contextualize("and who confirmed it?", history)
    answer = answerer.answer(question, passages, as_of=None, history=history)

`NEWSBOT_LLM=none` (the default) gives the extractive answerer, which quotes the
articles and needs no model. `openai` or `ollama` gives an LLM answerer that writes
fluent answers, checks every citation, and falls back to the extractive answer when
the LLM fails or times out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from retrieval.records import Answer, Passage, Turn


class Answerer(Protocol):
    name: str

    def contextualize(self, question: str, history: Sequence[Turn]) -> str:
        """A standalone search query for a follow-up ("and who confirmed it?")."""
        ...

    def answer(
        self,
        question: str,
        passages: Sequence[Passage],
        *,
        as_of: date | None,
        history: Sequence[Turn],
    ) -> Answer:
        """An answer whose citations (numbered 1..N) quote the passages verbatim.

        The engine fills in `passages`, `timings_ms`, `as_of` and `search_query`.
        """
        ...
