"""Reading an evaluation set: a corpus of passages and the questions ("qrels") about them.

corpus, one JSON object per line (the ingest format of `.jsonl` files):
    {"id": "p-001", "title": "", "body": "…", "source": "Harbor Gazette",
     "url": "", "published_at": "2026-03-12"}
qrels, one JSON object per line:
    {"uid": "q-01", "question": "…", "question_date": "2026-03-14",
     "answer": "…", "passage_id": "p-001"}

`id`, `body`, `question` and `passage_id` are required; every `passage_id` must be the
id of a corpus passage. Errors name the file, the line and the problem.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from retrieval.errors import EvalDataError


@dataclass(frozen=True, slots=True)
class CorpusPassage:
    id: str
    title: str
    body: str
    source: str
    url: str
    published_at: date | None


@dataclass(frozen=True, slots=True)
class EvalQuestion:
    uid: str
    question: str
    gold: str  # the id of the passage that answers it
    answer: str = ""
    as_of: date | None = None  # from the qrels field chosen with --as-of-field


def _records(path: Path, what: str) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise EvalDataError(f"The {what} file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalDataError(f"Cannot read the {what} file {path}: {exc}") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise EvalDataError(f"{path} line {number} is not valid JSON: {exc}") from None
        if not isinstance(record, dict):
            raise EvalDataError(f"{path} line {number} should be a JSON object.")
        yield number, record


def _text(record: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = record.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise EvalDataError(f"{where}: the field {key!r} is missing or empty.")
        return ""
    if not isinstance(value, str | int):
        raise EvalDataError(f"{where}: the field {key!r} should be text, not {value!r}.")
    return str(value)


def _date(record: dict[str, Any], key: str, where: str, *, required: bool = False) -> date | None:
    value = _text(record, key, where, required=required)
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise EvalDataError(f"{where}: {key} is {value!r}, not a date (YYYY-MM-DD).") from None


def load_corpus(path: Path) -> list[CorpusPassage]:
    passages: list[CorpusPassage] = []
    first_line: dict[str, int] = {}
    for number, record in _records(path, "corpus"):
        where = f"{path} line {number}"
        passage = CorpusPassage(
            id=_text(record, "id", where, required=True),
            title=_text(record, "title", where),
            body=_text(record, "body", where, required=True),
            source=_text(record, "source", where),
            url=_text(record, "url", where),
            published_at=_date(record, "published_at", where),
        )
        if passage.id in first_line:
            raise EvalDataError(
                f"{where}: the id {passage.id!r} is already used on line {first_line[passage.id]}."
            )
        first_line[passage.id] = number
        passages.append(passage)
    if not passages:
        raise EvalDataError(f"The corpus file {path} holds no passages.")
    return passages


def load_qrels(
    path: Path, *, as_of_field: str | None = None, corpus_ids: set[str] | None = None
) -> list[EvalQuestion]:
    """The questions; with `corpus_ids`, every gold passage must be one of them."""
    questions: list[EvalQuestion] = []
    for number, record in _records(path, "qrels"):
        where = f"{path} line {number}"
        questions.append(
            EvalQuestion(
                uid=_text(record, "uid", where) or f"line-{number}",
                question=_text(record, "question", where, required=True),
                gold=_text(record, "passage_id", where, required=True),
                answer=_text(record, "answer", where),
                as_of=_date(record, as_of_field, where, required=True) if as_of_field else None,
            )
        )
    if not questions:
        raise EvalDataError(f"The qrels file {path} holds no questions.")
    if corpus_ids is not None:
        missing = sorted({q.gold for q in questions} - corpus_ids)
        if missing:
            shown = ", ".join(missing[:3]) + (" …" if len(missing) > 3 else "")
            raise EvalDataError(
                f"{len(missing)} passage_id(s) in {path} are not in the corpus: {shown}"
            )
    return questions
