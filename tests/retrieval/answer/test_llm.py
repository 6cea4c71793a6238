"""LLM answers: scripted chat models, citation checking, fallbacks, the real OpenAI client."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
from datetime import date
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.outputs import ChatResult
from pydantic import Field

from retrieval.answer.extractive import ExtractiveAnswerer
from retrieval.answer.factory import build_answerer
from retrieval.answer.llm import (
    LLM_WORKERS,
    LLMAnswerer,
    build_chat_model,
    check_llm,
    describe_llm,
    invoke_with_timeout,
)
from retrieval.answer.prompts import render_prompt
from retrieval.config import Settings
from retrieval.embed.embedder import Embedder
from retrieval.errors import ConfigError, LLMError
from retrieval.ingest.chunking import chunk_article
from retrieval.records import Answer, Passage, Turn
from tests.fake_openai import fake_openai, first_sentence, passages_in
from tests.stories import PORT_STRIKE, PORT_STRIKE_RESUMES, TRAM_VOTE

PASSAGES = [
    Passage(chunk=chunk_article(article)[0], score=0.8 - rank / 10, rank=rank)
    for rank, article in enumerate([PORT_STRIKE, PORT_STRIKE_RESUMES, TRAM_VOTE], 1)
]
QUESTION = "What happened at the Port of Velmora?"
GOOD_REPLY = (
    "Dock workers at the Port of Velmora walked out again on Monday [2]. "
    "As of 12 March 2026, they had returned to work after a nine-day strike [1]."
)


class RecordingChatModel(FakeListChatModel):
    """A scripted chat model that also keeps the messages it was sent."""

    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def _call(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> str:
        self.seen.append(messages)
        return super()._call(messages, *args, **kwargs)


class FailingChatModel(FakeListChatModel):
    def _call(self, *args: Any, **kwargs: Any) -> str:
        raise ConnectionError("connection refused by 10.0.0.9")


def llm_answerer(model: FakeListChatModel, embedder: Embedder, timeout: float = 5.0) -> LLMAnswerer:
    return LLMAnswerer(model, embedder, fallback=ExtractiveAnswerer(embedder), timeout=timeout)


def ask(answerer: LLMAnswerer, question: str = QUESTION, **kwargs: Any) -> Answer:
    return answerer.answer(question, PASSAGES, as_of=kwargs.pop("as_of", None), **kwargs)


# --- answers ------------------------------------------------------------------------------


def test_a_well_cited_answer_is_kept_and_renumbered(embedder: Embedder) -> None:
    answer = ask(llm_answerer(RecordingChatModel(responses=[GOOD_REPLY]), embedder))

    assert answer.answerer == "llm"
    assert not answer.refused
    assert answer.text == (
        "Dock workers at the Port of Velmora walked out again on Monday [1]. "
        "As of 12 March 2026, they had returned to work after a nine-day strike [2]."
    )
    assert [(c.n, c.title) for c in answer.citations] == [
        (1, "Velmora dockers walk out again"),
        (2, "Velmora dock workers end nine-day strike"),
    ]
    assert answer.citations[0].quote == (
        "Dock workers at the Port of Velmora walked out again on Monday, three weeks after "
        "ending their last strike."
    )
    assert answer.citations[1].quote == (
        "Dock workers at the Port of Velmora returned to work on Thursday after a nine-day strike."
    )
    assert answer.unsupported == []


def test_its_citations_point_at_the_words_that_answer(embedder: Embedder) -> None:
    model = RecordingChatModel(responses=[GOOD_REPLY])
    answer = ask(llm_answerer(model, embedder), "When did the Velmora dockers walk out?")
    assert [c.answering for c in answer.citations] == ["Monday", "Thursday"]


def test_the_model_sees_the_prompts_and_the_passages(embedder: Embedder) -> None:
    model = RecordingChatModel(responses=[GOOD_REPLY])
    ask(llm_answerer(model, embedder), as_of=date(2026, 4, 5))

    system, prompt = model.seen[0]
    assert system.content == render_prompt("system")
    assert isinstance(prompt.content, str)
    assert "Today's date, for the purposes of this answer: 2026-04-05" in prompt.content
    assert prompt.content.count("<passage number=") == 3
    assert 'outlet="Brenholt Courier" date="2026-02-03"' in prompt.content


def test_a_bogus_citation_is_removed(embedder: Embedder) -> None:
    reply = "The dockers' union accepted a pay rise of 6 percent over two years [1][7]."
    answer = ask(llm_answerer(RecordingChatModel(responses=[reply]), embedder))

    assert answer.text == "The dockers' union accepted a pay rise of 6 percent over two years [1]."
    assert [c.n for c in answer.citations] == [1]
    assert answer.unsupported == []


def test_an_unsupported_sentence_is_dropped_and_listed(embedder: Embedder) -> None:
    reply = (
        "The dockers' union accepted a pay rise of 6 percent over two years [1]. "
        "The strike cost shipping lines 40 million crowns [1]."
    )
    answer = ask(llm_answerer(RecordingChatModel(responses=[reply]), embedder))

    assert answer.answerer == "llm"
    assert "40 million" not in answer.text
    assert answer.unsupported == ["The strike cost shipping lines 40 million crowns."]
    assert answer.to_json()["unsupported"] == answer.unsupported


def test_i_dont_know_becomes_the_refusal(embedder: Embedder) -> None:
    reply = render_prompt("dont_know")
    answer = ask(llm_answerer(RecordingChatModel(responses=[reply]), embedder), "Who won the cup?")

    assert answer.refused
    assert answer.answerer == "llm"
    assert answer.text == render_prompt("refusal", scope="")
    assert answer.citations == []


def test_no_passages_means_a_refusal_without_asking_the_model(embedder: Embedder) -> None:
    model = RecordingChatModel(responses=[GOOD_REPLY])
    answer = llm_answerer(model, embedder).answer(QUESTION, [], as_of=None, history=())

    assert answer.refused
    assert model.seen == []


# --- falling back ------------------------------------------------------------------------


def test_a_timeout_falls_back_to_the_extractive_answer(
    embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    slow = FakeListChatModel(responses=[GOOD_REPLY], sleep=3)
    embedder.encode(["warm up"])  # time the LLM call, not the model's first load
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="retrieval.answer.llm"):
        answer = ask(llm_answerer(slow, embedder, timeout=0.2))

    assert time.perf_counter() - started < 2.5
    assert answer.answerer == "extractive-fallback"
    assert answer.to_json()["answerer"] == "extractive-fallback"
    assert answer.citations and not answer.refused
    assert "The LLM did not answer within 0.2 s. Answering extractively instead." in caplog.text


class HangingChatModel(FakeListChatModel):
    """An async model whose server never answers; counts the requests cancelled."""

    cancelled: int = 0

    async def _agenerate(self, *args: Any, **kwargs: Any) -> ChatResult:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        raise AssertionError("unreachable")


@pytest.mark.parametrize(
    "model",
    [FakeListChatModel(responses=["late"], sleep=1.0), HangingChatModel(responses=["never"])],
    ids=["sync-model", "async-model"],
)
def test_timed_out_calls_leave_no_threads_behind(model: FakeListChatModel) -> None:
    invoke_with_timeout(FakeListChatModel(responses=["ok"]), [HumanMessage("hi")], 5.0)
    before = threading.active_count()
    for _ in range(12):
        with pytest.raises(LLMError, match=r"did not answer within 0\.05 s"):
            invoke_with_timeout(model, [HumanMessage("hi")], 0.05)
    assert threading.active_count() <= before + LLM_WORKERS  # was one more thread per call
    if isinstance(model, HangingChatModel):
        assert model.cancelled == 12  # each hung request was ended, not left running


def test_a_failing_llm_falls_back(embedder: Embedder, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="retrieval.answer.llm"):
        answer = ask(llm_answerer(FailingChatModel(responses=["unused"]), embedder))

    assert answer.answerer == "extractive-fallback"
    assert "The LLM failed: ConnectionError: connection refused by 10.0.0.9" in caplog.text


@pytest.mark.parametrize("reply", ["HACKED", "HACKED [1]", "HACKED [9]"])
def test_an_obeyed_injection_is_not_shown(embedder: Embedder, reply: str) -> None:
    answer = ask(llm_answerer(RecordingChatModel(responses=[reply]), embedder))

    assert "HACKED" not in answer.text
    assert answer.unsupported == ["HACKED"]
    assert answer.answerer == "extractive-fallback"
    assert answer.citations
    assert all(c.quote in PORT_STRIKE.body + PORT_STRIKE_RESUMES.body for c in answer.citations)


# --- follow-up questions --------------------------------------------------------------------

HISTORY = [Turn("Did the Velmora dock strike end?", "Yes, on Thursday [1].")]


def test_a_follow_up_is_rewritten_by_the_llm(embedder: Embedder) -> None:
    model = RecordingChatModel(responses=['"Who leads the Velmora dockers\' union?"\n'])
    query = llm_answerer(model, embedder).contextualize("who leads their union?", HISTORY)

    assert query == "Who leads the Velmora dockers' union?"
    assert "New question: who leads their union?" in str(model.seen[0][0].content)


def test_a_failed_rewrite_joins_the_previous_question(embedder: Embedder) -> None:
    answerer = llm_answerer(FailingChatModel(responses=["unused"]), embedder)
    query = answerer.contextualize("who leads their union?", HISTORY)

    assert query == "Did the Velmora dock strike end? who leads their union?"


def test_a_first_question_is_not_rewritten(embedder: Embedder) -> None:
    model = RecordingChatModel(responses=["should not be used"])
    assert llm_answerer(model, embedder).contextualize("Who won?", []) == "Who won?"
    assert model.seen == []


# --- configuration ------------------------------------------------------------------------


def llm_settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_an_openai_compatible_model_is_configured_from_the_settings() -> None:
    model = build_chat_model(
        llm_settings(
            llm="openai",
            llm_model="qwen2.5-7b-instruct",
            OPENAI_BASE_URL="http://127.0.0.1:8080/v1",
            llm_timeout=12,
        )
    )
    assert type(model).__name__ == "ChatOpenAI"
    assert model.model_name == "qwen2.5-7b-instruct"  # type: ignore[attr-defined]
    assert model.openai_api_base == "http://127.0.0.1:8080/v1"  # type: ignore[attr-defined]
    assert model.request_timeout == 12  # type: ignore[attr-defined]


def test_an_ollama_model_is_configured_from_the_settings() -> None:
    model = build_chat_model(
        llm_settings(llm="ollama", llm_model="llama3.1", OLLAMA_BASE_URL="http://gpu-box:11434")
    )
    assert type(model).__name__ == "ChatOllama"
    assert model.base_url == "http://gpu-box:11434"  # type: ignore[attr-defined]
    assert model.client_kwargs == {"timeout": 30.0}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"llm": "openai", "OPENAI_API_KEY": "sk-test"}, "set NEWSBOT_LLM_MODEL"),
        ({"llm": "ollama"}, r"NEWSBOT_LLM=ollama needs a model name.*llama3\.1"),
        ({"llm": "openai", "llm_model": "gpt-4o-mini"}, "needs OPENAI_API_KEY, or OPENAI_BASE_URL"),
    ],
)
def test_an_incomplete_configuration_says_what_is_missing(
    values: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        build_chat_model(llm_settings(**values))


@pytest.mark.parametrize(("provider", "module"), [("openai", "langchain_openai"),
                                                  ("ollama", "langchain_ollama")])  # fmt: skip
def test_a_missing_extra_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch, provider: str, module: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # as if it were not installed
    settings = llm_settings(llm=provider, llm_model="m", OPENAI_API_KEY="sk-test")
    with pytest.raises(ConfigError, match=r"pip install 'newsbot\[llm\]'"):
        build_chat_model(settings)


def test_newsbot_min_confidence_sets_the_extractive_refusal_gate(
    embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retrieval.answer import answerability

    default = build_answerer(llm_settings(), embedder)
    assert isinstance(default, ExtractiveAnswerer)
    assert default.config.min_confidence == answerability.CONFIDENCE_THRESHOLD
    monkeypatch.setenv("NEWSBOT_MIN_CONFIDENCE", "0.20")
    strict = build_answerer(Settings(_env_file=None), embedder)  # type: ignore[call-arg]
    assert isinstance(strict, ExtractiveAnswerer)
    assert strict.config.min_confidence == 0.20
    monkeypatch.setenv("NEWSBOT_MIN_CONFIDENCE", "")  # as in .env.example: the default
    assert Settings(_env_file=None).min_confidence is None  # type: ignore[call-arg]
    monkeypatch.setenv("NEWSBOT_MIN_CONFIDENCE", "1.5")
    with pytest.raises(ValueError, match="min_confidence"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_the_answerer_follows_newsbot_llm(embedder: Embedder) -> None:
    assert isinstance(build_answerer(llm_settings(), embedder), ExtractiveAnswerer)

    answerer = build_answerer(
        llm_settings(llm="openai", llm_model="gpt-4o-mini", OPENAI_API_KEY="sk-test"), embedder
    )
    assert isinstance(answerer, LLMAnswerer)
    assert isinstance(answerer.fallback, ExtractiveAnswerer)
    assert answerer.timeout == 30.0


def test_descriptions_never_show_secrets() -> None:
    settings = llm_settings(
        llm="openai",
        llm_model="gpt-4o-mini",
        OPENAI_BASE_URL="https://user:hunter2@llm.example/v1",
        OPENAI_API_KEY="sk-secret-key",
    )
    assert describe_llm(settings) == "openai model gpt-4o-mini at https://***@llm.example/v1"


# --- the real OpenAI client against a local server ----------------------------------------


def cite_first_passage(request: dict[str, Any]) -> str:
    return f"{first_sentence(passages_in(request)[1]).rstrip('.')} [1]."


def test_the_openai_client_path_end_to_end(embedder: Embedder) -> None:
    with fake_openai(cite_first_passage) as server:
        settings = llm_settings(
            llm="openai", llm_model="test-model", OPENAI_BASE_URL=server.base_url,
            OPENAI_API_KEY="sk-local-test",
        )  # fmt: skip
        answer = ask(build_answerer(settings, embedder))  # type: ignore[arg-type]

    assert answer.answerer == "llm"
    assert answer.text == (
        "Dock workers at the Port of Velmora returned to work on Thursday after a nine-day "
        "strike [1]."
    )
    request = server.requests[0]
    assert request["model"] == "test-model"
    assert request["temperature"] == 0
    assert [m["role"] for m in request["messages"]] == ["system", "user"]
    assert server.headers[0]["authorization"] == "Bearer sk-local-test"


def test_a_slow_server_times_out_into_the_fallback(embedder: Embedder) -> None:
    def slow(request: dict[str, Any]) -> str:
        time.sleep(2)
        return cite_first_passage(request)

    with fake_openai(slow) as server:
        settings = llm_settings(
            llm="openai", llm_model="test-model", OPENAI_BASE_URL=server.base_url, llm_timeout=0.3
        )
        answer = ask(build_answerer(settings, embedder))  # type: ignore[arg-type]

    assert answer.answerer == "extractive-fallback"


def test_check_llm_reports_a_reachable_server_and_a_failing_one() -> None:
    with fake_openai(lambda request: "OK") as server:
        settings = llm_settings(
            llm="openai", llm_model="test-model", OPENAI_BASE_URL=server.base_url
        )
        assert check_llm(settings).startswith(
            f"openai model test-model at {server.base_url} answered in "
        )
    with fake_openai(lambda request: 503) as server:
        settings = llm_settings(
            llm="openai", llm_model="test-model", OPENAI_BASE_URL=server.base_url
        )
        with pytest.raises(LLMError, match="is not answering: The LLM failed"):
            check_llm(settings)
