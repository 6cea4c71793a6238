from __future__ import annotations

import numpy as np

from retrieval.config import Settings
from retrieval.embeddings import Embedder, get_embedder


def test_one_embedder_per_model_and_backend(embedder: Embedder) -> None:
    assert get_embedder(Settings(_env_file=None)) is embedder  # type: ignore[call-arg]


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
