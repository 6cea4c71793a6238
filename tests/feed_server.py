"""A feed server of the tests' own on 127.0.0.1: its feeds and pages change between polls.

with FeedServer() as server:
    server.feeds["/news.rss"] = rss("Harbor Gazette", [story(1), story(2)])
    url = server.url("/news.rss")
    server.status["/news.rss"] = 500      # fail until reset
    server.delay["/news.rss"] = 2.0       # answer slowly
    server.hits["/news.rss"]              # requests so far; server.not_modified counts 304s
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

DAY = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)

_PLACES = ["Velmora", "Saltmarsh", "Kettle Bay", "Orrin Falls", "Draywick", "Lunhaven"]
_THINGS = ["ferry", "library", "bridge", "market", "lighthouse", "tram line"]


def story(n: int, **changes: str) -> dict[str, str]:
    """A fictional story (its entry and its page); `changes` override fields."""
    place, thing = _PLACES[n % len(_PLACES)], _THINGS[(n // len(_PLACES)) % len(_THINGS)]
    fields = {
        "guid": f"tag:harbor.example,2026:{n}",
        "title": f"{place} council votes on the {thing} plan ({n})",
        "link": f"/page/{n}",
        "date": format_datetime(DAY.replace(day=1 + n % 27)),
        "summary": f"Councillors in {place} voted on story {n} about the {thing} on Tuesday.",
    }
    fields.update(changes)
    return fields


def page(n: int) -> str:
    place, thing = _PLACES[n % len(_PLACES)], _THINGS[(n // len(_PLACES)) % len(_THINGS)]
    paragraphs = "".join(
        f"<p>Paragraph {k} of story {n}: the council of {place} debated the {thing} for hours, "
        f"and residents who packed the hall asked questions about costs, timetables and the "
        f"noise of the works near the harbour, which the mayor promised to answer in writing "
        f"before the next meeting of the council in {place}.</p>"
        for k in range(1, 5)
    )
    return (
        f"<html><head><title>Story {n}</title></head><body><article>"
        f"<h1>{place} council votes on the {thing} plan ({n})</h1>{paragraphs}"
        f"</article></body></html>"
    )


def rss(title: str, items: list[dict[str, str]], base: str = "") -> str:
    entries = "".join(
        f"<item><guid>{escape(i['guid'])}</guid><title>{escape(i['title'])}</title>"
        f"<link>{escape(base + i['link'] if i['link'].startswith('/') else i['link'])}</link>"
        f"<pubDate>{i['date']}</pubDate><description>{escape(i['summary'])}</description></item>"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>{base}/</link>{entries}</channel></rss>"
    )


class FeedServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.feeds: dict[str, str] = {}  # path -> feed XML (links starting "/" get the base)
        self.status: dict[str, int] = {}  # path -> status to answer instead
        self.delay: dict[str, float] = {}  # path -> seconds to wait before answering
        self.hits: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.pages = {f"/page/{n}": page(n) for n in range(400)}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path
                server.hits[path] += 1
                time.sleep(server.delay.get(path, 0.0))
                if path in server.status:
                    self._answer(server.status[path], b"oops", "text/plain")
                elif path in server.feeds:
                    body = rss_with_base(server.feeds[path], server.base).encode()
                    etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                    if self.headers.get("If-None-Match") == etag:
                        server.not_modified[path] += 1
                        self._answer(304, b"", None, etag)
                    else:
                        self._answer(200, body, "application/rss+xml", etag)
                elif path.split("?")[0] in server.pages:
                    self._answer(200, server.pages[path.split("?")[0]].encode(), "text/html")
                else:
                    self._answer(404, b"not found", "text/plain")

            def _answer(self, code: int, body: bytes, kind: str | None, etag: str = "") -> None:
                self.send_response(code)
                if kind:
                    self.send_header("Content-Type", f"{kind}; charset=utf-8")
                if etag:
                    self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if code != 304:
                    self.wfile.write(body)

        self._httpd = ThreadingHTTPServer((host, 0), Handler)
        self._httpd.daemon_threads = True
        self.base = f"http://{host}:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return self.base + path

    def page_hits(self) -> int:
        return sum(count for path, count in self.hits.items() if path.startswith("/page/"))

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)


def rss_with_base(xml: str, base: str) -> str:
    return xml.replace("<link>/", f"<link>{base}/")
