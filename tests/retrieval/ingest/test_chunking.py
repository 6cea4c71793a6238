from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from datetime import date

import pytest

from retrieval.config import Settings
from retrieval.embed.embedder import Embedder
from retrieval.ingest.chunking import CHARS_PER_WORD, chunk_article
from retrieval.ingest.loading import iter_articles
from retrieval.records import Article, Chunk
from retrieval.text.sentences import split_sentences
from tests.retrieval.conftest import ARTICLES


def sentences_of(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The ferry left. It was late.", ["The ferry left.", "It was late."]),
        ("Is it over? Yes! The strike ended.", ["Is it over?", "Yes!", "The strike ended."]),
        (
            "Mr. Vane met Dr. Bell and Mrs. Okafor. They agreed.",
            ["Mr. Vane met Dr. Bell and Mrs. Okafor.", "They agreed."],
        ),
        (
            "Prices rose 3.5% to $4.20 a litre. Drivers were angry.",
            ["Prices rose 3.5% to $4.20 a litre.", "Drivers were angry."],
        ),
        (
            "The U.S. and U.N. envoys met in Varrow. Talks went on.",
            ["The U.S. and U.N. envoys met in Varrow.", "Talks went on."],
        ),
        (
            "Exports to the U.S. The port expects growth.",
            ["Exports to the U.S.", "The port expects growth."],
        ),
        (
            "The vote is on Jan. 5 in St. Brendan's hall.",
            ["The vote is on Jan. 5 in St. Brendan's hall."],
        ),
        (
            "Acme Inc. said profits fell. Its shares slid.",
            ["Acme Inc. said profits fell.", "Its shares slid."],
        ),
        (
            "She joined Acme Inc. The firm is in Quillhaven.",
            ["She joined Acme Inc.", "The firm is in Quillhaven."],
        ),
        (
            "J. R. Okafor skippered the yacht. She won.",
            ["J. R. Okafor skippered the yacht.", "She won."],
        ),
        ("The case of Roe v. Wade was cited.", ["The case of Roe v. Wade was cited."]),
        ('He said, "We will win." Then he left.', ['He said, "We will win."', "Then he left."]),
        (
            "“Is it over?” she asked. “Yes.” He nodded.",
            ["“Is it over?” she asked.", "“Yes.”", "He nodded."],
        ),
        ("It was ‘final.’ Nobody argued.", ["It was ‘final.’", "Nobody argued."]),
        (
            "(The vote was close.) Then came the storm.",
            ["(The vote was close.)", "Then came the storm."],
        ),
        (
            "He paused... then went on. It ended… Fans left.",
            ["He paused... then went on.", "It ended…", "Fans left."],
        ),
        (
            "The meeting starts at 7 p.m. Residents may speak.",
            ["The meeting starts at 7 p.m.", "Residents may speak."],
        ),
        ("It opens at 9 a.m. Monday.", ["It opens at 9 a.m. Monday."]),
        ("Storm warning\n\nWinds reached 110 km/h", ["Storm warning", "Winds reached 110 km/h"]),
        ("Sales of the iPhone fell. eBay rose.", ["Sales of the iPhone fell.", "eBay rose."]),
        (
            "1. Close the quay\n2. Open the footbridge",
            ["1. Close the quay", "2. Open the footbridge"],
        ),
        ("Visit quillhaven.example. It has maps.", ["Visit quillhaven.example.", "It has maps."]),
        ("  \n\n  ", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert sentences_of(text) == expected


def test_spans_cover_every_non_space_character_and_no_space_at_their_edges() -> None:
    text = '  A gale hit the coast.  Ferries stopped!\n\n"Stay home," police said.\tRoads shut… '
    spans = split_sentences(text)
    covered = {i for a, b in spans for i in range(a, b)}
    assert covered >= {i for i, ch in enumerate(text) if not ch.isspace()}
    for a, b in spans:
        assert not text[a].isspace() and not text[b - 1].isspace()
    assert spans == sorted(spans) and all(
        b1 <= a2 for (_, b1), (a2, _) in itertools.pairwise(spans)
    )


def make(body: str, **fields: object) -> Article:
    fields = {"id": "art1", "title": "Storm hits the coast", "body": body, **fields}
    return Article(**fields)  # type: ignore[arg-type]


def paragraph(topic: str, sentences: int, words: int = 12) -> str:
    """A paragraph of `sentences` numbered sentences of `words` words each."""
    filler = " ".join(["word"] * (words - 4))
    return " ".join(f"{topic} sentence {n} {filler}." for n in range(1, sentences + 1))


def assert_exact(article: Article, chunks: list[Chunk], *, whole_sentences: bool = True) -> None:
    """Chunk and sentence offsets point at exactly their text; chunks hold whole sentences."""
    body = article.body
    starts = {a for a, _ in split_sentences(body)}
    ends = {b for _, b in split_sentences(body)}
    for chunk in chunks:
        assert body[chunk.start : chunk.start + len(chunk.text)] == chunk.text
        assert chunk.sentences[0][0] == 0 and chunk.sentences[-1][1] == len(chunk.text)
        for (a, b), sentence in zip(chunk.sentences, chunk.sentence_texts, strict=True):
            assert body[chunk.start + a : chunk.start + b] == sentence
            if whole_sentences:
                assert chunk.start + a in starts and chunk.start + b in ends


def fixture_articles() -> list[Article]:
    found = iter_articles([str(ARTICLES)], Settings(_env_file=None), fetch_links=False)  # type: ignore[call-arg]
    return [a for a in found if isinstance(a, Article)]


def test_chunks_of_every_fixture_article_are_exact_slices_of_whole_sentences() -> None:
    articles = fixture_articles()
    assert len(articles) == 13
    for article in articles:
        for max_words in (20, 40, 200):
            chunks = chunk_article(article, max_words=max_words)
            assert chunks
            assert_exact(article, chunks)
            covered = {s for c in chunks for s in range(c.start, c.start + len(c.text))}
            assert covered >= {i for i, ch in enumerate(article.body) if not ch.isspace()}


def test_chunk_records_carry_the_article_and_a_stable_id() -> None:
    article = make(
        paragraph("Gale", 3),
        source="Northshore Weekly",
        url="https://northshore.example/gale",
        published_at=date(2026, 2, 1),
    )
    (chunk,) = chunk_article(article)
    assert chunk.id == f"art1:{article.content_hash[:8]}:0"
    assert (chunk.article_id, chunk.position, chunk.start) == ("art1", 0, 0)
    assert chunk.text == article.body
    assert (chunk.title, chunk.source, chunk.url) == (
        "Storm hits the coast",
        "Northshore Weekly",
        "https://northshore.example/gale",
    )
    assert chunk.published_at == date(2026, 2, 1)
    assert chunk.content_hash == article.content_hash
    assert len(chunk.sentences) == 3


def test_chunks_close_at_paragraph_ends_once_half_full() -> None:
    body = "\n\n".join(paragraph(t, 5) for t in ("Alpha", "Bravo", "Charlie", "Delta"))
    article = make(body)
    chunks = chunk_article(article, max_words=100)  # each paragraph has 60 words
    assert [c.text for c in chunks] == body.split("\n\n")
    assert_exact(article, chunks)


def test_small_paragraphs_share_a_chunk_until_it_is_half_full() -> None:
    body = "\n\n".join(paragraph(t, 1) for t in ("Alpha", "Bravo", "Charlie", "Delta", "Echo"))
    paragraphs = body.split("\n\n")
    chunks = chunk_article(make(body), max_words=50)  # 12 words each; half full is 25
    assert [c.text for c in chunks] == ["\n\n".join(paragraphs[:3]), "\n\n".join(paragraphs[3:])]


def test_a_chunk_that_closes_mid_paragraph_lends_its_last_sentence() -> None:
    article = make(paragraph("Gale", 12))  # 144 words in one paragraph
    chunks = chunk_article(article, max_words=50)
    assert len(chunks) > 2
    for first, second in itertools.pairwise(chunks):
        assert first.sentence_texts[-1] == second.sentence_texts[0]
        assert len(first.text.split()) <= 50
    assert_exact(article, chunks)
    plain = chunk_article(article, max_words=50, overlap=False)
    assert sum(len(c.sentences) for c in plain) == 12
    assert " ".join(c.text for c in plain) == article.body


def test_no_overlap_across_a_paragraph_break() -> None:
    article = make(paragraph("Alpha", 3) + "\n\n" + paragraph("Bravo", 3))
    chunks = chunk_article(article, max_words=40)
    assert [c.text for c in chunks] == article.body.split("\n\n")


def test_a_sentence_longer_than_the_limit_is_a_chunk_of_its_own() -> None:
    long_sentence = "The council " + " ".join(["debated"] * 250) + " until late."
    article = make(f"Short opening sentence here. {long_sentence} A closing remark follows.")
    chunks = chunk_article(article, max_words=200)
    assert [c.text for c in chunks] == [
        "Short opening sentence here.",
        long_sentence,
        "A closing remark follows.",
    ]


def test_text_without_any_sentence_end_is_cut_at_word_boundaries() -> None:
    article = make(" ".join(f"item{n}" for n in range(1000)))
    chunks = chunk_article(article, max_words=100)
    assert [len(c.text.split()) for c in chunks] == [100] * 10
    assert_exact(article, chunks, whole_sentences=False)
    assert chunks[1].text.startswith("item100 ")


@pytest.mark.parametrize(
    "body",
    [
        "x" * 50_000,  # one line, no spaces, no stops
        "word" * 2_000 + " " + "y" * 30_000 + " tail",
        " ".join(["z" * 900] * 40),  # long "words": few spaces, 36,000 characters
    ],
)
def test_no_chunk_outgrows_the_character_cap(body: str) -> None:
    article = make(body)
    chunks = chunk_article(article, max_words=100)
    assert chunks and max(len(c.text) for c in chunks) <= 100 * CHARS_PER_WORD
    assert_exact(article, chunks, whole_sentences=False)
    assert "".join(c.text for c in chunks).replace(" ", "") == body.replace(" ", "")


def test_a_five_megabyte_line_is_cut_quickly() -> None:
    started = time.perf_counter()
    article = make("ab" * 2_500_000)
    chunks = chunk_article(article)
    assert time.perf_counter() - started < 5
    assert max(len(c.text) for c in chunks) == 4000  # was one 5,000,000-character chunk
    assert sum(len(c.text) for c in chunks) == len(article.body)


def test_empty_body_gives_no_chunks() -> None:
    assert chunk_article(make("")) == []


def test_chunking_five_thousand_short_passages_is_fast() -> None:
    body = (
        "Dock workers at the Port of Marrow Bay walked out on Monday. Union leader "
        "Ines Okafor said 1,200 members would stay out until talks resume. The port "
        "authority's chair, Mr. Tomas Reyes, denied that talks had collapsed."
    )
    articles = [make(f"{body} Passage {n}.") for n in range(5000)]
    started = time.perf_counter()
    chunks = [c for a in articles for c in chunk_article(a)]
    elapsed = time.perf_counter() - started
    assert len(chunks) == 5000
    assert elapsed < 5, f"chunking 5,000 passages took {elapsed:.1f} s"


# -- measured in the model's tokens ---------------------------------------------------------


class TwoPerWord:
    """A tokenizer stand-in: two tokens per word, a 60-token window."""

    def __init__(self, max_tokens: int = 60) -> None:
        self.max_tokens = max_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [2 * len(text.split()) for text in texts]


@pytest.mark.parametrize("window", [60, 300])
def test_with_a_token_counter_every_embedded_text_fits_the_window(window: int) -> None:
    counter = TwoPerWord(window)
    for article in fixture_articles():
        chunks = chunk_article(article, tokens=counter)
        # 60 tokens can't hold some sentences with their title line: those are cut.
        assert_exact(article, chunks, whole_sentences=window == 300)
        assert max(counter.count_tokens([c.embed_text for c in chunks])) <= window


def test_the_title_line_counts_against_the_window() -> None:
    body = " ".join(f"Sentence number {n} is here." for n in range(12))  # 5 words each
    title = "A title of exactly ten words for the budget here"
    untitled = chunk_article(make(body, title=""), tokens=TwoPerWord(), overlap=False)
    titled = chunk_article(make(body, title=title), tokens=TwoPerWord(), overlap=False)
    # 60 tokens hold six 10-token sentences; after a 20-token title and its break, three.
    assert [len(c.sentences) for c in untitled] == [6, 6]
    assert [len(c.sentences) for c in titled] == [3, 3, 3, 3]


def test_a_sentence_over_the_token_window_is_cut_into_pieces_that_fit() -> None:
    long_sentence = "The council " + " ".join(["debated"] * 70) + " until late."
    article = make(f"Short opening sentence here. {long_sentence}", title="")
    chunks = chunk_article(article, tokens=TwoPerWord())
    assert max(TwoPerWord().count_tokens([c.embed_text for c in chunks])) <= 60
    assert_exact(article, chunks, whole_sentences=False)
    assert " ".join(c.text for c in chunks).split() == article.body.split()


def test_chunks_fit_the_real_models_window(embedder: Embedder) -> None:
    """The bundled MiniLM reads 256 tokens (254 besides its own two): 200-word chunks
    were about 340, so their last quarter was never embedded."""
    body = "\n\n".join(paragraph(f"Harbor{n}", 6) for n in range(12))
    article = make(body, title="Harbour strike talks resume", source="Harbor Gazette")
    chunks = chunk_article(article, tokens=embedder)
    lengths = embedder.count_tokens([c.embed_text for c in chunks])
    assert max(lengths) <= embedder.max_tokens == 254
    assert min(lengths[:-1]) >= embedder.max_tokens // 2  # chunks close only half full
