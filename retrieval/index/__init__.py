"""Step 3, index and search: what is kept (`store`, chromadb) and what is searched
(`memory`: a space's vectors, days and `bm25` in memory; `search`: the time-aware hybrid
ranking over them)."""

from retrieval.index.search import Searcher
from retrieval.index.store import Store, StoredArticle

__all__ = ["Searcher", "Store", "StoredArticle"]
