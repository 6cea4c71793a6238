"""The article catalog: pages of the listing, lookups by id and hash, and catching up."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from retrieval.config import Settings
from retrieval.embed.embedder import Embedder
from retrieval.engine import Engine
from retrieval.errors import InvalidPage
from retrieval.index.catalog import CATALOG_FILE
from retrieval.index.store import Store
from retrieval.records import Article

COUNT = 23


def notice(n: int, *, day: date | None = None, extra: str = "") -> Article:
    return Article(
        id=f"n{n:02d}",
        title=f"Harbour notice {n:02d}",
        body=f"The harbour wall section {n} was inspected on schedule.{extra}",
        source="Fenwick Herald",
        published_at=day or date(2026, 1, 1 + n),
    )


@pytest.fixture
def many(settings: Settings, embedder: Embedder) -> Engine:
    engine = Engine(settings, embedder=embedder, ingest_batch_chunks=8)  # several batches
    undated = dataclasses.replace(notice(0), published_at=None)
    report = engine.ingest_articles([undated, *(notice(n) for n in range(1, COUNT))])
    assert report.added == COUNT
    return engine


def test_pages_come_newest_first_with_totals_and_a_short_last_page(many: Engine) -> None:
    pages = [many.sources(page=n, per_page=10) for n in (1, 2, 3)]

    assert [(p.total, p.pages, len(p.articles)) for p in pages] == [(23, 3, 10)] * 2 + [(23, 3, 3)]
    listed = [a.id for p in pages for a in p.articles]
    expected = [f"n{n:02d}" for n in range(COUNT - 1, 0, -1)] + ["n00"]  # undated last
    assert listed == expected  # every article once, none twice
    assert pages[2].first == 21


@pytest.mark.parametrize("page", [0, -1, 4, 1000])
def test_a_page_that_does_not_exist_is_a_clear_error(many: Engine, page: int) -> None:
    with pytest.raises(InvalidPage, match=f"There is no page {page}: the articles fill"):
        many.sources(page=page, per_page=10)


def test_an_empty_space_is_one_empty_page(settings: Settings, embedder: Embedder) -> None:
    listed = Engine(settings, embedder=embedder).sources(spaces=("guild-9",))
    assert (listed.articles, listed.total, listed.pages) == ([], 0, 1)
    with pytest.raises(InvalidPage, match="fit on 1 page"):
        Engine(settings, embedder=embedder).sources(spaces=("guild-9",), page=2)


def test_pages_merge_spaces_and_name_each_articles_space(many: Engine) -> None:
    many.ingest_articles([notice(40, day=date(2026, 6, 1))], space="guild-1")
    first = many.sources(spaces=("shared", "guild-1"), per_page=2)
    assert first.total == COUNT + 1
    assert [(a.id, a.space) for a in first.articles] == [("n40", "guild-1"), ("n22", "shared")]


def test_a_changed_article_is_replaced_and_unchanged_ones_skipped(many: Engine) -> None:
    changed = notice(5, extra=" Cracks were found.")
    report = many.ingest_articles([changed, notice(6), notice(7)])

    assert (report.added, report.updated, report.skipped) == (0, 1, 2)
    listed = many.sources(per_page=100)
    assert listed.total == COUNT
    assert sorted(a.id for a in listed.articles) == sorted({a.id for a in listed.articles})
    stored = many.store.stored("shared", [changed.id])[changed.id]
    assert stored.content_hash == changed.content_hash
    chunks = [c for c in many.store.iter_chunks("shared") if c.article_id == changed.id]
    assert {c.content_hash for c in chunks} == {changed.content_hash}


def test_the_same_content_under_another_id_is_skipped(many: Engine) -> None:
    copy = dataclasses.replace(notice(3), id="copy-of-3")
    assert many.ingest_articles([copy]).skipped == 1
    assert many.source("copy-of-3") is None


def test_forget_finds_the_article_by_id(many: Engine) -> None:
    assert many.forget("n04").id == "n04"
    assert many.source("n04") is None and many.sources(per_page=100).total == COUNT - 1
    assert many.find_sources("notice 04") == []
    assert [a.id for a in many.find_sources("NOTICE 05")] == ["n05"]


def test_a_data_dir_without_a_catalog_builds_it_from_the_store(
    many: Engine, settings: Settings, embedder: Embedder
) -> None:
    many.store._catalog.close()
    (settings.data_dir / CATALOG_FILE).unlink()
    fresh = Engine(settings, embedder=embedder, store=Store(settings, page_size=5))

    assert fresh.sources(per_page=100).total == COUNT
    assert fresh.ingest_articles([notice(1)]).skipped == 1


def test_a_writer_killed_before_the_catalog_is_caught_up_from_the_change_log(
    many: Engine, settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    def killed(*args: object, **kwargs: object) -> None:
        raise SystemExit("killed between the store and the catalog")

    writer = Engine(settings, embedder=embedder)
    monkeypatch.setattr(writer.store._catalog, "change", killed)
    with pytest.raises(SystemExit):
        writer.ingest_articles([notice(50, day=date(2026, 7, 1))])
    monkeypatch.undo()

    assert many.sources(per_page=1).articles[0].id == "n50"  # caught up, not rebuilt
    assert many.sources(per_page=100).total == COUNT + 1
