"""Followed feeds: a registry of what is followed, and a poller that keeps spaces current.

poller = FeedPoller(engine)            # the registry lives in the data dir
poller.follow(url, space="shared", every_seconds=900)
results = poller.poll_due()            # -> list[PollResult]
stories = poller.registry.stories_to_announce()
"""

from retrieval.feeds.identity import clean_link, format_every, link_key, parse_every
from retrieval.feeds.poller import FeedPoller, PollResult
from retrieval.feeds.registry import Feed, FeedRegistry, Story

__all__ = [
    "Feed",
    "FeedPoller",
    "FeedRegistry",
    "PollResult",
    "Story",
    "clean_link",
    "format_every",
    "link_key",
    "parse_every",
]
