"""What the engine asks of an answerer, and the one factory that picks it from the settings.

    answerer = build_answerer(settings, embedder)
    query = answerer.contextualize("and who confirmed it?", history)
    answer = answerer.answer(question, passages, as_of=None, history=history)

`NEWSBOT_LLM=none` (the default) gives the extractive answerer, which quotes the
articles and needs no model. `openai` or `ollama` gives an LLM answerer that writes
fluent answers, checks every citation, and falls back to the extractive answer when
the LLM fails or times out.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import Protocol

from retrieval.config import Settings
from retrieval.embeddings import Embedder
from retrieval.records import Answer, Passage, Turn

log = logging.getLogger(__name__)


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


def build_answerer(settings: Settings, embedder: Embedder) -> Answerer:
    """The answerer `NEWSBOT_LLM` asks for.

    Raises ConfigError when an LLM is asked for but its extra is not installed or
    `NEWSBOT_LLM_MODEL` is missing. It does not contact the LLM: `retrieval.llm.check_llm`
    (used by `newsbot doctor`) does.
    """
    from retrieval.extractive import ExtractiveAnswerer

    extractive = ExtractiveAnswerer(embedder)
    if settings.llm == "none":
        return extractive

    from retrieval.llm import LLMAnswerer, build_chat_model

    model = build_chat_model(settings)
    log.info("answering with %s model %s", settings.llm, settings.llm_model)
    return LLMAnswerer(model, embedder, fallback=extractive, timeout=settings.llm_timeout)
