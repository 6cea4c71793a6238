from __future__ import annotations

import numpy as np
import pytest

from retrieval.config import Settings
from retrieval.embed.embedder import Embedder, get_embedder, resolve_backend


def test_one_embedder_per_model_and_backend(embedder: Embedder) -> None:
    assert get_embedder(Settings(_env_file=None)) is embedder  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("model", "backend", "resolved"),
    [
        ("all-MiniLM-L6-v2", "auto", "onnx-int8"),  # quality checked for the bundled model
        ("sentence-transformers/all-MiniLM-L6-v2", "auto", "onnx-int8"),
        ("intfloat/e5-small-v2", "auto", "torch"),  # any other model: no export surprises
        ("all-MiniLM-L6-v2", "torch", "torch"),
        ("intfloat/e5-small-v2", "onnx", "onnx"),
    ],
)
def test_auto_backend_is_int8_onnx_for_the_bundled_model_only(
    model: str, backend: str, resolved: str
) -> None:
    settings = Settings(_env_file=None, embedding_model=model, embedding_backend=backend)  # type: ignore[call-arg]
    assert resolve_backend(settings) == resolved


def test_vectors_are_normalised_and_meaningful(embedder: Embedder) -> None:
    vectors = embedder.encode(
        ["The dockers went on strike.", "Port workers walked out.", "A recipe for rye bread."]
    )
    assert vectors.shape == (3, embedder.dimension) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_cached_encoding_matches_and_keeps_order(embedder: Embedder) -> None:
    texts = ["Storm warning for the coast.", "Tram line approved.", "Storm warning for the coast."]
    cached = embedder.encode_cached(texts)
    again = embedder.encode_cached(texts[::-1])
    assert np.allclose(cached, embedder.encode(texts), atol=1e-5)
    assert np.allclose(again, cached[::-1], atol=1e-6)
    assert embedder.encode_cached([]).shape == (0, embedder.dimension)
