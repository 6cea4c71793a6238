"""The one factory that picks the answerer from the settings.

`NEWSBOT_LLM=none` (the default) gives the extractive answerer, which quotes the
articles and needs no model. `openai` or `ollama` gives an LLM answerer that writes
fluent answers, checks every citation, and falls back to the extractive answer when
the LLM fails or times out.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from retrieval.answer.base import Answerer
from retrieval.answer.extractive import ExtractiveAnswerer, ExtractiveConfig
from retrieval.answer.llm import LLMAnswerer, build_chat_model
from retrieval.config import Settings
from retrieval.embed.embedder import Embedder

log = logging.getLogger(__name__)


def build_answerer(settings: Settings, embedder: Embedder) -> Answerer:
    """The answerer `NEWSBOT_LLM` asks for.

    Raises ConfigError when an LLM is asked for but its extra is not installed or
    `NEWSBOT_LLM_MODEL` is missing. It does not contact the LLM: `retrieval.answer.llm.check_llm`
    (used by `newsbot doctor`) does.
    """
    config = ExtractiveConfig()
    if settings.min_confidence is not None:
        config = replace(config, min_confidence=settings.min_confidence)
    extractive = ExtractiveAnswerer(embedder, config)
    if settings.llm == "none":
        return extractive

    model = build_chat_model(settings)
    log.info("answering with %s model %s", settings.llm, settings.llm_model)
    return LLMAnswerer(model, embedder, fallback=extractive, timeout=settings.llm_timeout)
