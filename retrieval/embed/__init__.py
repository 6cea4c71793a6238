"""Step 2, embed: one lazily loaded sentence-transformers model (torch or ONNX Runtime)."""

from retrieval.embed.embedder import Embedder, get_embedder

__all__ = ["Embedder", "get_embedder"]
