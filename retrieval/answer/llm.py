"""Answers written by an LLM through LangChain, with every citation checked.

`NEWSBOT_LLM=openai` talks to OpenAI or any OpenAI-compatible server (vLLM, llama.cpp
server, LM Studio) at `OPENAI_BASE_URL`; `NEWSBOT_LLM=ollama` to Ollama at
`OLLAMA_BASE_URL`. Both need `pip install 'newsbot[llm]'` and `NEWSBOT_LLM_MODEL`.

The prompts are files in `prompts/` (system, answer, passage, rewrite_followup, turn,
dont_know). Passage text is fenced and defused, so an article cannot close its fence
and speak as the user. The reply is then checked by `retrieval.answer.verify`: unknown `[n]`
are removed, sentences their citation does not support are dropped and listed under
`unsupported`. When the LLM fails, times out (`NEWSBOT_LLM_TIMEOUT`) or writes nothing
its citations support, the extractive answer is given instead, marked
`"answerer": "extractive-fallback"`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import SecretStr

from retrieval.answer import disagreement
from retrieval.answer.base import Answerer
from retrieval.answer.claims import strip_reasoning, without_markers
from retrieval.answer.emphasis import with_spans
from retrieval.answer.extractive import refusal
from retrieval.answer.kinds import asked_kinds
from retrieval.answer.prompts import render_prompt
from retrieval.answer.verify import CitationChecker
from retrieval.config import HISTORY_TURNS, Settings
from retrieval.embed.embedder import Embedder
from retrieval.errors import ConfigError, LLMError
from retrieval.records import Answer, Passage, Turn

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)

HISTORY_ANSWER_CHARS = 600
MAX_QUERY_CHARS = 300  # a rewritten follow-up longer than this is not a search query
LLM_EXTRA = "pip install 'newsbot[llm]'"
LLM_WORKERS = 4  # threads for models that only answer synchronously

_EXAMPLE_MODELS = {"openai": "gpt-4o-mini", "ollama": "llama3.1"}


# --- the chat model -------------------------------------------------------------------


def redact_url(url: str) -> str:
    """The URL without any user:password@ part, fit for logs and messages."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, f"***@{netloc}", parts.path, parts.query, parts.fragment))


def describe_llm(settings: Settings) -> str:
    """`openai model gpt-4o-mini at https://…/v1`: what is configured, without secrets."""
    if settings.llm == "none":
        return "none (extractive answers, no model needed)"
    if settings.llm == "openai":
        where = redact_url(settings.openai_base_url) if settings.openai_base_url else "OpenAI"
    else:
        where = redact_url(settings.ollama_base_url)
    return f"{settings.llm} model {settings.llm_model or '(none set)'} at {where}"


def build_chat_model(settings: Settings) -> BaseChatModel:
    """The LangChain chat model `NEWSBOT_LLM` names; ConfigError says what is missing."""
    if settings.llm == "none":
        raise ConfigError("NEWSBOT_LLM is 'none': no LLM is configured.")
    if not settings.llm_model.strip():
        raise ConfigError(
            f"NEWSBOT_LLM={settings.llm} needs a model name: set NEWSBOT_LLM_MODEL "
            f"(for example {_EXAMPLE_MODELS[settings.llm]})."
        )
    if settings.llm == "openai":
        return _openai_model(settings)
    return _ollama_model(settings)


def _openai_model(settings: Settings) -> BaseChatModel:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        raise ConfigError(
            f"NEWSBOT_LLM=openai needs the LLM extra (langchain-openai): {LLM_EXTRA}"
        ) from None
    key = settings.openai_api_key
    if key is None:
        if not settings.openai_base_url:
            raise ConfigError(
                "NEWSBOT_LLM=openai needs OPENAI_API_KEY, or OPENAI_BASE_URL for a local "
                "OpenAI-compatible server."
            )
        key = SecretStr("unused")  # local servers ignore it, the client insists on one
    return ChatOpenAI(
        model=settings.llm_model,
        base_url=settings.openai_base_url,
        api_key=key,
        timeout=settings.llm_timeout,
        max_retries=1,
        temperature=0,
        # OpenAI-compatible servers speak /chat/completions, not the Responses API.
        use_responses_api=False if settings.openai_base_url else None,
    )


def _ollama_model(settings: Settings) -> BaseChatModel:
    try:
        from langchain_ollama import ChatOllama
    except ImportError:
        raise ConfigError(
            f"NEWSBOT_LLM=ollama needs the LLM extra (langchain-ollama): {LLM_EXTRA}"
        ) from None
    return ChatOllama(
        model=settings.llm_model,
        base_url=settings.ollama_base_url,
        temperature=0,
        client_kwargs={"timeout": settings.llm_timeout},
    )


class _LLMLoop:
    """One event loop, on one daemon thread, that every LLM call of the process runs on.

    A call is `model.ainvoke` under `asyncio.wait_for`: when it takes too long its task
    is cancelled, which ends the HTTP request, so nothing piles up however many calls
    time out. Models without a native async path run on the loop's executor of
    `LLM_WORKERS` threads. Being a daemon, the thread never holds up the program's exit.
    """

    _lock = threading.Lock()
    _loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def get(cls) -> asyncio.AbstractEventLoop:
        with cls._lock:
            if cls._loop is None or cls._loop.is_closed():
                loop = asyncio.new_event_loop()
                loop.set_default_executor(
                    concurrent.futures.ThreadPoolExecutor(
                        LLM_WORKERS, thread_name_prefix="newsbot-llm-sync"
                    )
                )
                threading.Thread(target=loop.run_forever, name="newsbot-llm", daemon=True).start()
                cls._loop = loop
            return cls._loop


async def _ainvoke(model: BaseChatModel, messages: list[BaseMessage], timeout: float) -> object:
    return await asyncio.wait_for(model.ainvoke(messages), timeout)


def invoke_with_timeout(
    model: BaseChatModel, messages: Sequence[BaseMessage], timeout: float
) -> str:
    """The model's reply text, or LLMError when it fails or takes longer than `timeout` s.

    The call runs on the one LLM event loop (see `_LLMLoop`), cancelled at the timeout.
    """
    future = asyncio.run_coroutine_threadsafe(
        _ainvoke(model, list(messages), timeout), _LLMLoop.get()
    )
    try:
        value = future.result(timeout + 1.0)  # the loop itself cancels it at `timeout`
    except (TimeoutError, concurrent.futures.TimeoutError):
        future.cancel()
        raise LLMError(f"The LLM did not answer within {timeout:g} s.") from None
    except Exception as exc:
        raise LLMError(f"The LLM failed: {type(exc).__name__}: {exc}") from exc
    text = value.text if isinstance(value, AIMessage) else str(value)
    return strip_reasoning(text)


def check_llm(settings: Settings) -> str:
    """Ask the configured LLM for one word; a description of it, or ConfigError/LLMError."""
    model = build_chat_model(settings)
    started = time.perf_counter()
    try:
        reply = invoke_with_timeout(
            model, [HumanMessage(render_prompt("ping"))], settings.llm_timeout
        )
    except LLMError as exc:
        raise LLMError(f"{describe_llm(settings)} is not answering: {exc}") from exc
    elapsed = (time.perf_counter() - started) * 1000
    if not reply.strip():
        raise LLMError(f"{describe_llm(settings)} sent an empty reply.")
    return f"{describe_llm(settings)} answered in {elapsed:.0f} ms"


# --- prompts --------------------------------------------------------------------------


def _defused(text: str) -> str:
    """Passage text that cannot open or close a fence (or any other tag)."""
    return text.replace("<", "‹").replace(">", "›")


def _attribute(text: str) -> str:
    return " ".join(_defused(text).replace('"', "'").split())


def render_passages(passages: Sequence[Passage]) -> str:
    """The numbered, fenced passages for the answer prompt (numbered 1..N in order)."""
    return "\n\n".join(
        render_prompt(
            "passage",
            number=n,
            outlet=_attribute(p.chunk.source),
            date=p.chunk.published_at.isoformat() if p.chunk.published_at else "",
            title=_attribute(p.chunk.title),
            text=_defused(p.chunk.text.strip()),
        )
        for n, p in enumerate(passages, 1)
    )


def answer_messages(
    question: str, passages: Sequence[Passage], *, as_of: date | None, history: Sequence[Turn]
) -> list[BaseMessage]:
    """System prompt, the last few exchanges, then the answer prompt with the passages."""
    dont_know = render_prompt("dont_know")
    messages: list[BaseMessage] = [SystemMessage(render_prompt("system"))]
    for turn in history[-HISTORY_TURNS:]:
        messages.append(HumanMessage(turn.question))
        messages.append(AIMessage(without_markers(turn.answer)[:HISTORY_ANSWER_CHARS]))
    prompt = render_prompt(
        "answer",
        question=question,
        today=(as_of or date.today()).isoformat(),
        passages=render_passages(passages),
        dont_know=dont_know,
    )
    messages.append(HumanMessage(prompt))
    return messages


def rewrite_messages(question: str, history: Sequence[Turn]) -> list[BaseMessage]:
    turns = "\n\n".join(
        render_prompt(
            "turn",
            question=t.question,
            answer=without_markers(t.answer)[:HISTORY_ANSWER_CHARS],
        )
        for t in history[-HISTORY_TURNS:]
    )
    return [HumanMessage(render_prompt("rewrite_followup", history=turns, question=question))]


# --- the answerer ---------------------------------------------------------------------


class LLMAnswerer:
    """Writes answers with a chat model; checks them; falls back to `fallback`."""

    name = "llm"

    def __init__(
        self,
        model: BaseChatModel,
        embedder: Embedder,
        *,
        fallback: Answerer,
        timeout: float,
    ) -> None:
        self.model = model
        self.fallback = fallback
        self.timeout = timeout
        self.embedder = embedder
        self.checker = CitationChecker(embedder, dont_know=render_prompt("dont_know"))

    def contextualize(self, question: str, history: Sequence[Turn]) -> str:
        """The follow-up rewritten as a standalone query; a plain join if the LLM fails."""
        if not history:
            return question
        try:
            reply = invoke_with_timeout(
                self.model, rewrite_messages(question, history), self.timeout
            )
        except LLMError as exc:
            log.warning("%s Searching with the previous question joined on.", exc)
            return f"{history[-1].question} {question}"
        lines = [line.strip().strip("\"'“”") for line in reply.splitlines() if line.strip()]
        query = lines[0] if lines else ""
        if not query or len(query) > MAX_QUERY_CHARS:
            log.warning("The LLM's rewritten question was unusable: %r", reply[:200])
            return f"{history[-1].question} {question}"
        log.info("follow-up %r searched as %r", question, query)
        return query

    def answer(
        self,
        question: str,
        passages: Sequence[Passage],
        *,
        as_of: date | None,
        history: Sequence[Turn] = (),
    ) -> Answer:
        if not passages:
            return self._mark(refusal(question, as_of))
        messages = answer_messages(question, passages, as_of=as_of, history=history)
        try:
            reply = invoke_with_timeout(self.model, messages, self.timeout)
        except LLMError as exc:
            log.warning("%s Answering extractively instead.", exc)
            return self._fall_back(question, passages, as_of, history)

        verified = self.checker.verify(reply, passages, as_of=as_of)
        if verified.unknown_markers:
            log.info(
                "removed citations of passages that were not given: %s", verified.unknown_markers
            )
        if verified.dont_know:
            answer = self._mark(refusal(question, as_of))
        elif not verified.citations:
            log.warning(
                "No sentence of the LLM's answer is supported by its citations; "
                "answering extractively instead."
            )
            answer = self._fall_back(question, passages, as_of, history)
        else:
            cited = verified.citations
            quotes = [c.quote for c in cited]
            vectors = self.embedder.encode_cached(quotes) if len(quotes) > 1 else None
            same = disagreement.same_thing_cosine(question)
            # Only for a question that says what it asks: an LLM's summary of two
            # events ("walked out on Monday… returned on Thursday") is not two versions.
            disagree = (
                vectors is not None
                and bool(asked_kinds(question))
                and disagreement.disagrees(
                    question,
                    [(c.article_id, c.quote) for c in verified.citations],
                    related=lambda i, j: (
                        float(vectors[i] @ vectors[j]) >= same
                        and disagreement.same_time(cited[i].published_at, cited[j].published_at)
                    ),
                )
            )
            answer = Answer(
                question=question,
                text=f"{disagreement.HEADLINE} {verified.text}" if disagree else verified.text,
                refused=False,
                citations=with_spans(question, verified.citations),
                answerer=self.name,
                disagreement=disagree,
            )
        answer.unsupported = verified.unsupported
        return answer

    def _mark(self, answer: Answer) -> Answer:
        answer.answerer = self.name
        return answer

    def _fall_back(
        self,
        question: str,
        passages: Sequence[Passage],
        as_of: date | None,
        history: Sequence[Turn],
    ) -> Answer:
        answer = self.fallback.answer(question, passages, as_of=as_of, history=history)
        answer.answerer = "extractive-fallback"
        return answer
