"""Domain errors. Their messages are written for the person using newsbot."""

from __future__ import annotations


class NewsbotError(Exception):
    """Base class: anything a front may show to a user as it is."""


class ConfigError(NewsbotError):
    """The configuration is wrong or incomplete (a missing extra, a bad model name, …)."""


class SourceError(NewsbotError):
    """One source (file, URL, feed entry) could not be read; the rest of a batch goes on."""

    def __init__(self, origin: str, reason: str) -> None:
        super().__init__(f"{origin}: {reason}")
        self.origin = origin
        self.reason = reason


class ArticleNotFound(NewsbotError):
    def __init__(self, article_id: str) -> None:
        super().__init__(f"No stored article has the id {article_id!r}.")
        self.article_id = article_id


class InvalidPage(NewsbotError):
    """A page of the article list that does not exist."""

    def __init__(self, page: int, pages: int) -> None:
        fill = f"fill {pages} pages" if pages != 1 else "fit on 1 page"
        super().__init__(f"There is no page {page}: the articles {fill}.")
        self.page = page
        self.pages = pages


class InvalidQuestion(NewsbotError):
    """The question is empty, too long, or otherwise cannot be asked."""


class LLMError(NewsbotError):
    """The LLM could not be reached or did not answer in time."""


class EvalDataError(NewsbotError):
    """An evaluation corpus or qrels file is missing, malformed or inconsistent."""


class StoreUnavailable(NewsbotError):
    """The article store (a chromadb server, or the local one) cannot be reached right now.

    Never "no such collection": a store that is down must not look like an empty one.
    """


class FeedError(NewsbotError):
    """A feed cannot be followed or unfollowed as asked (a bad address, a limit reached, …)."""
