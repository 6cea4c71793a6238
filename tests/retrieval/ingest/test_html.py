"""HTML pages: main text and metadata."""

from __future__ import annotations

from datetime import date

from retrieval.config import Settings
from tests.retrieval.conftest import ARTICLES
from tests.retrieval.ingest.loading import load, only_article


def test_html_page_main_text_and_metadata(settings: Settings) -> None:
    article = only_article(load(ARTICLES / "regatta.html", settings=settings))
    assert article.title == "Record fleet sails in Quillhaven regatta"
    assert article.source == "Northshore Weekly"
    assert article.author == "Saskia Brandvold"
    assert article.published_at == date(2026, 2, 15)
    assert article.url == "https://northshore.example/2026/02/15/regatta"
    paragraphs = article.body.split("\n\n")
    assert paragraphs[0].startswith("A record 212 boats started")  # the <h1> is not repeated
    assert (
        paragraphs[-1]
        == '"It was the slowest finish I can remember," said race director Piet Hallam.'
    )
    for furniture in ("Share on", "Related articles", "All rights reserved", "Weather"):
        assert furniture not in article.body
