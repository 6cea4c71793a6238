"""newsbot's engine: articles in, cited answers out. The fronts import only from here.

    from retrieval import Engine, Settings

    engine = Engine(Settings())
    engine.ingest(["articles/"])
    answer = engine.ask("who denied the troop deployment?")

Names load on first use (PEP 562), so `from retrieval import Settings` stays cheap and
the model, chromadb and LangChain are imported only when an engine is built.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from retrieval.answer.llm import check_llm
    from retrieval.answer.prompts import refusal_text
    from retrieval.config import (
        EMBEDDING_BACKENDS,
        HISTORY_TURNS,
        MAX_QUESTION_CHARS,
        Settings,
        load_settings,
    )
    from retrieval.doctor import Check, run_checks
    from retrieval.engine import Engine, space_for_guild
    from retrieval.errors import (
        ArticleNotFound,
        ConfigError,
        EvalDataError,
        FeedError,
        InvalidPage,
        InvalidQuestion,
        LLMError,
        NewsbotError,
        SourceError,
        StoreUnavailable,
    )
    from retrieval.eval.report import EvalReport
    from retrieval.eval.run import run_eval
    from retrieval.feeds import (
        Feed,
        FeedPoller,
        FeedRegistry,
        PollResult,
        Story,
        format_every,
        parse_every,
    )
    from retrieval.records import (
        GUILD_PREFIX,
        SHARED_SPACE,
        Answer,
        Article,
        ArticleSummary,
        Chunk,
        Citation,
        IngestReport,
        Passage,
        Progress,
        SourcesPage,
        Turn,
        group_by_source,
    )

_HOMES = {
    "retrieval.config": (
        "EMBEDDING_BACKENDS",
        "HISTORY_TURNS",
        "MAX_QUESTION_CHARS",
        "Settings",
        "load_settings",
    ),
    "retrieval.engine": ("Engine", "space_for_guild"),
    "retrieval.errors": (
        "ArticleNotFound",
        "ConfigError",
        "EvalDataError",
        "FeedError",
        "InvalidPage",
        "InvalidQuestion",
        "LLMError",
        "NewsbotError",
        "SourceError",
        "StoreUnavailable",
    ),
    "retrieval.records": (
        "GUILD_PREFIX",
        "SHARED_SPACE",
        "Answer",
        "Article",
        "ArticleSummary",
        "Chunk",
        "Citation",
        "IngestReport",
        "Passage",
        "Progress",
        "SourcesPage",
        "Turn",
        "group_by_source",
    ),
    "retrieval.doctor": ("Check", "run_checks"),
    "retrieval.answer.llm": ("check_llm",),
    "retrieval.answer.prompts": ("refusal_text",),
    "retrieval.eval.report": ("EvalReport",),
    "retrieval.eval.run": ("run_eval",),
    "retrieval.feeds": (
        "Feed",
        "FeedPoller",
        "FeedRegistry",
        "PollResult",
        "Story",
        "format_every",
        "parse_every",
    ),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "Answer",
    "Article",
    "ArticleNotFound",
    "ArticleSummary",
    "Check",
    "Chunk",
    "Citation",
    "ConfigError",
    "EMBEDDING_BACKENDS",
    "Engine",
    "EvalDataError",
    "EvalReport",
    "Feed",
    "FeedError",
    "FeedPoller",
    "FeedRegistry",
    "GUILD_PREFIX",
    "HISTORY_TURNS",
    "IngestReport",
    "InvalidPage",
    "InvalidQuestion",
    "LLMError",
    "MAX_QUESTION_CHARS",
    "NewsbotError",
    "Passage",
    "PollResult",
    "Progress",
    "SHARED_SPACE",
    "Settings",
    "SourceError",
    "SourcesPage",
    "StoreUnavailable",
    "Story",
    "Turn",
    "check_llm",
    "format_every",
    "group_by_source",
    "load_settings",
    "parse_every",
    "refusal_text",
    "run_checks",
    "run_eval",
    "space_for_guild",
]


def __getattr__(name: str) -> Any:
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'retrieval' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
