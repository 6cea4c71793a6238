"""Step 1, ingest: sources (files, folders, pages, feeds) -> cleaned `Article`s -> `Chunk`s.

`loading.iter_articles` finds and reads sources through the `loaders/` (one per format),
`cleaning` drops boilerplate and repeated paragraphs, `chunking` packs sentences into chunks.
"""

from retrieval.ingest.chunking import chunk_article
from retrieval.ingest.loading import iter_articles

__all__ = ["chunk_article", "iter_articles"]
