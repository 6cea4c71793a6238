"""Web pages: trafilatura finds the main text and the metadata (title, date, author, …)."""

from __future__ import annotations

import logging

from retrieval.errors import SourceError
from retrieval.ingest.loaders.fields import build_article, parse_date
from retrieval.records import Article

log = logging.getLogger(__name__)

_BLOCKS = (
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
    "table", "tr", "section", "article", "header", "footer", "figure", "figcaption", "hr",
    "dd", "dt",
)  # fmt: skip


def parse_html(data: bytes | str, origin: str, *, url: str = "") -> Article:
    """The article in an HTML page. `url` is where it was fetched from, if anywhere; the
    page's canonical URL wins over it."""
    import trafilatura  # slow import: only when a page is read
    from trafilatura.settings import Document

    try:
        document = trafilatura.bare_extraction(
            data, url=url or None, with_metadata=True, include_comments=False
        )
    except Exception as exc:  # trafilatura raises many kinds on broken markup
        log.debug("trafilatura failed on %s", origin, exc_info=True)
        raise SourceError(origin, f"the page could not be parsed ({exc})") from exc
    if not isinstance(document, Document) or not (document.text or "").strip():
        raise SourceError(origin, "no article text found in the page")
    return build_article(
        title=document.title or "",
        body=(document.text or "").replace("\n", "\n\n"),  # one paragraph per line
        origin=origin,
        source=document.sitename or "",
        url=document.url or url,
        published_at=parse_date(document.date, origin),
        author=document.author or "",
    )


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (a feed entry's summary or content), one blank line
    between blocks."""
    from lxml import etree
    from lxml import html as lxml_html

    if "<" not in fragment:
        return fragment
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    for element in list(root.iter("script", "style", "noscript")):
        element.drop_tree()
    for element in root.iter("br"):
        element.tail = "\n" + (element.tail or "")
    for element in root.iter(*_BLOCKS):
        element.text = "\n\n" + (element.text or "")
        element.tail = "\n\n" + (element.tail or "")
    return str(root.text_content())
