"""Checking an LLM's answer against the passages it was given.

Every citation newsbot shows must be true, whatever the model wrote:

1. `[n]` markers must name a passage that was given; others are removed.
2. Each sentence is split into claims, one per group of markers ("X [1], while Y [2].").
   A cited passage supports a claim when it says much the same thing (embedding cosine
   with its best sentence or pair of sentences, and the share of the claim's content
   words found in the passage, its title, outlet and date) and mentions every number,
   month, weekday and name of the claim.
3. A sentence with an unsupported claim is dropped and listed under `unsupported`; so is
   a sentence without any marker that states something (all but the "I don't know"
   wording, questions, lead-ins ending in ":" and sentences without content words).
4. Markers are renumbered 1..N in order of first appearance; each citation quotes,
   verbatim, the sentence of its passage that best supports what cites it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from retrieval.answer.claims import (
    MARKER_GROUP,
    Claim,
    content_words,
    date_words,
    hard_facts,
    known_facts,
    marker_numbers,
    normalize_phrase,
    parse_claims,
    sentence_spans,
    strip_attribution,
    strip_reasoning,
    without_markers,
)
from retrieval.embed.embedder import Embedder
from retrieval.records import Chunk, Citation, Passage
from retrieval.text.sentences import split_sentences as passage_sentence_spans

log = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W_]")

# Measured with all-MiniLM-L6-v2 on the claims in tests/retrieval/answer/test_verify.py
# (`python bench/verify_thresholds.py` prints them): the 24 true paraphrases have cosine
# >= 0.559 and overlap >= 0.60; the 22 false claims have cosine <= 0.531 (onnx-int8, each
# text embedded on its own), overlap <= 0.50,
# or a name, number or date their passage lacks. Beyond reach of similarity: paraphrases
# sharing too few words ("The council's decision passed 7-2" is rejected), and
# contradictions, dropped negations and recombined words that keep the passage's
# vocabulary ("Northwind is cancelling its flights" against "Northwind will begin
# flights", "The union hired welders" against "had not hired enough welders": accepted).
MIN_COSINE = 0.545
MIN_OVERLAP = 0.55


@dataclass(frozen=True, slots=True)
class Support:
    """How well one passage supports one claim."""

    passage: int  # its number as the LLM saw it
    cosine: float  # claim (without attribution) vs the best sentence or sentence pair
    overlap: float  # share of the claim's content words found in the passage
    missing: frozenset[str]  # numbers, calendar words and names the passage lacks
    quote: str  # the passage's sentence closest to the claim, verbatim

    @property
    def similar(self) -> bool:
        return self.cosine >= MIN_COSINE and self.overlap >= MIN_OVERLAP

    @property
    def supports(self) -> bool:
        return self.similar and not self.missing

    @property
    def score(self) -> float:
        return (self.cosine + self.overlap) / 2

    def describe(self) -> str:
        gaps = f", lacks {sorted(self.missing)}" if self.missing else ""
        return f"[{self.passage}] cosine {self.cosine:.2f}, overlap {self.overlap:.2f}{gaps}"


@dataclass(slots=True)
class Verified:
    """An LLM answer after checking: only supported sentences, citations renumbered."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)  # dropped sentences, markers removed
    unknown_markers: list[int] = field(default_factory=list)
    dont_know: bool = False  # the answer only says the passages don't answer


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str
    claims: list[Claim]
    newline: bool  # a line break came before it in the answer


@dataclass(frozen=True, slots=True)
class _Kept:
    text: str
    supported: list[tuple[Claim, list[Support]]]  # each claim with the passages supporting it
    newline: bool


class CitationChecker:
    """Checks answers against passages with one embedding model."""

    def __init__(self, embedder: Embedder, *, dont_know: str) -> None:
        self.embedder = embedder
        self.dont_know = normalize_phrase(dont_know)

    def verify(
        self, answer: str, passages: Sequence[Passage], *, as_of: date | None = None
    ) -> Verified:
        """Keep what the passages support; see the module docstring for the rules."""
        sentences, unknown = self._parse(strip_reasoning(answer), len(passages))
        cited = sorted({n for s in sentences for c in s.claims for n in c.cited})
        chunks = [(n, passages[n - 1].chunk) for n in cited]
        claims = [c.text for s in sentences for c in s.claims]
        table = iter(self.score(claims, chunks, as_of=as_of) if chunks else [])
        column = {n: j for j, n in enumerate(cited)}

        kept: list[_Kept] = []
        unsupported: list[str] = []
        said_dont_know = False
        for sentence in sentences:
            rows = [next(table) for _ in sentence.claims]
            plain = without_markers(sentence.text)
            if self.dont_know and self.dont_know in normalize_phrase(plain):
                said_dont_know = True
                kept.append(_Kept(plain, [], sentence.newline))
            elif not _WORD.search(plain):  # nothing but markers and punctuation
                continue
            elif not sentence.claims and _states_nothing(plain):
                kept.append(_Kept(sentence.text, [], sentence.newline))
            elif not sentence.claims:
                log.info("unsupported, no citation: %r", plain)
                unsupported.append(plain)
            elif supported := _all_supported(sentence.claims, rows, column):
                kept.append(_Kept(sentence.text, supported, sentence.newline))
            else:
                unsupported.append(plain)

        verified = _renumber(kept, passages)
        verified.unsupported = unsupported
        verified.unknown_markers = unknown
        verified.dont_know = said_dont_know and not verified.citations
        return verified

    def score(
        self, claims: Sequence[str], chunks: Sequence[tuple[int, Chunk]], *, as_of: date | None
    ) -> list[list[Support]]:
        """Support of every claim by every numbered chunk: one row per claim.

        The embedding compares what a claim says without its attribution ("as of <date>,
        <outlet> reported that"), which comes from passage metadata, not passage text.
        """
        if not claims:
            return []
        outlets = [chunk.source for _, chunk in chunks]
        days = [d for d in (as_of, *(chunk.published_at for _, chunk in chunks)) if d]
        bare = [strip_attribution(claim, outlets, days) for claim in claims]
        quotes = [_sentences(chunk) for _, chunk in chunks]
        windows = [q + [f"{a} {b}" for a, b in zip(q, q[1:], strict=False)] for q in quotes]
        vectors = self.embedder.encode([*bare, *(w for ws in windows for w in ws)])
        cosines = vectors[: len(bare)] @ vectors[len(bare) :].T
        vocabularies = [_vocabulary(chunk) for _, chunk in chunks]
        as_of_facts = known_facts(date_words(as_of))
        facts = [known_facts(v) | as_of_facts for v in vocabularies]
        words = [content_words(v) for v in vocabularies]

        table = []
        for i, claim in enumerate(claims):
            claim_words = content_words(claim)
            claim_facts = hard_facts(claim)
            row = []
            offset = 0
            for j, (number, _) in enumerate(chunks):
                sims = cosines[i, offset : offset + len(windows[j])]
                offset += len(windows[j])
                shared = len(claim_words & words[j]) / len(claim_words) if claim_words else 0.0
                row.append(
                    Support(
                        passage=number,
                        cosine=float(np.max(sims)),
                        overlap=shared,
                        missing=frozenset(claim_facts - facts[j]),
                        quote=quotes[j][int(np.argmax(sims[: len(quotes[j])]))],
                    )
                )
            table.append(row)
        return table

    def _parse(self, answer: str, passages: int) -> tuple[list[_Sentence], list[int]]:
        sentences: list[_Sentence] = []
        unknown: list[int] = []
        previous_end = 0
        for start, end in sentence_spans(answer):
            claims, bad = parse_claims(answer[start:end], passages)
            unknown.extend(bad)
            newline = "\n" in answer[previous_end:start]
            sentences.append(_Sentence(answer[start:end], claims, newline))
            previous_end = end
        return sentences, unknown


def _vocabulary(chunk: Chunk) -> str:
    """What a claim citing the chunk may mention: its text, title, outlet and date."""
    return " ".join((chunk.text, chunk.title, chunk.source, date_words(chunk.published_at)))


def _sentences(chunk: Chunk) -> list[str]:
    found = [s.strip() for s in chunk.sentence_texts]
    if not any(found):  # a chunk stored without sentence offsets
        found = [chunk.text[a:b].strip() for a, b in passage_sentence_spans(chunk.text)]
    return [s for s in found if s] or [chunk.text.strip()]


def _states_nothing(sentence: str) -> bool:
    """A lead-in ("Here is what I found:"), a question, or no content words at all."""
    return sentence.rstrip().endswith((":", "?")) or not content_words(sentence)


def _all_supported(
    claims: Sequence[Claim], rows: Sequence[Sequence[Support]], column: dict[int, int]
) -> list[tuple[Claim, list[Support]]]:
    """Each claim with the cited passages that support it; [] if any claim has none.

    Passages in one group ("[1][2]") support together: each must be similar to the
    claim, and between them they must mention all its names and numbers.
    """
    result = []
    for claim, row in zip(claims, rows, strict=True):
        supports = [row[column[n]] for n in claim.cited]
        similar = [s for s in supports if s.similar]
        lacking = frozenset.intersection(*(s.missing for s in similar)) if similar else None
        if not similar or lacking:
            log.info("unsupported: %r (%s)", claim.text, "; ".join(s.describe() for s in supports))
            return []
        result.append((claim, similar))
    return result


def _renumber(kept: Sequence[_Kept], passages: Sequence[Passage]) -> Verified:
    """Number cited passages 1..N by first appearance; quote each one's best sentence."""
    new_number: dict[int, int] = {}
    best: dict[int, Support] = {}
    text = ""
    for item in kept:
        sentence = item.text
        for _, supports in item.supported:
            for s in supports:
                new_number.setdefault(s.passage, len(new_number) + 1)
                if s.passage not in best or s.score > best[s.passage].score:
                    best[s.passage] = s
        if item.supported:
            sentence = _rewrite_markers(sentence, item.supported, new_number)
        text += (("\n" if item.newline else " ") + sentence) if text else sentence
    citations = [
        Citation.from_chunk(n, passages[old - 1].chunk, best[old].quote)
        for old, n in sorted(new_number.items(), key=lambda item: item[1])
    ]
    return Verified(text=text.strip(), citations=citations)


def _rewrite_markers(
    sentence: str,
    supported: Sequence[tuple[Claim, Sequence[Support]]],
    new_number: dict[int, int],
) -> str:
    """Replace each marker group by the renumbered passages that support its claim.

    Claims come one per marker group that cited a given passage, in order; a group that
    cited only unknown passages has no claim and disappears.
    """
    pending = list(supported)

    def replace(match: re.Match[str]) -> str:
        if not pending or not set(marker_numbers(match.group())) & set(pending[0][0].cited):
            return ""
        _, supports = pending.pop(0)
        return " " + "".join(f"[{n}]" for n in sorted({new_number[s.passage] for s in supports}))

    text = MARKER_GROUP.sub(replace, sentence)
    return re.sub(r"\s+([.,;:!?])", r"\1", text).strip()
