"""The ONNX Runtime embedding backend (`NEWSBOT_EMBEDDING_BACKEND=onnx|onnx-int8`).

The sentence-transformers model is exported once with `torch.onnx.export` to
`<cache_dir>/onnx/<model-slug>/model.onnx` and, for `onnx-int8`, quantized to
`model.int8.onnx` (dynamic int8, per-channel, MatMul only: per-tensor weights lose too
much quality). Encoding then needs only onnxruntime and the fast tokenizer from
`tokenizer.json`; the pooling follows the model's own `Pooling` config, and texts are
truncated at its `max_seq_length`, so the vectors match the torch backend's.

Dynamic int8 quantizes each MatMul's input with one scale for the whole batch, padding
included, so a text's int8 vector would depend on the other texts of its batch (cosine
down to 0.987 between the same passage alone and in a batch of 32): the same question
could get a different answer depending on what was embedded with it. The int8 backend
therefore runs each text on its own (no padding, its own scale), one thread each, the
texts of a call on as many threads as there are cores: a text of 17 tokens spread over
2 cores took as long as on one (1.8 ms) for 45 % more CPU, its few hundred operators
too small to share. The fp32 backends pad with an attention mask, which changes a
vector only in its last float bits, and spread each batch over the cores.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import os
import re
import threading
import uuid
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.errors import ConfigError

log = logging.getLogger(__name__)

EXPORT_FORMAT = "1"  # bump to invalidate every cached export (e.g. when the export changes)
SUPPORTED_POOLING = ("cls", "max", "mean", "mean_sqrt_len_tokens")
_LEGACY_POOLING_KEYS = {  # sentence-transformers < 5 wrote one flag per mode, in this order
    "pooling_mode_cls_token": "cls",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
    "pooling_mode_weightedmean_tokens": "weightedmean",
    "pooling_mode_lasttoken": "lasttoken",
}


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path} should hold a JSON object.")
    return data


@dataclass(frozen=True, slots=True)
class ModelLayout:
    """What the ONNX backend needs to know about a sentence-transformers model folder."""

    root: Path
    transformer_dir: Path  # holds config.json, the weights and tokenizer.json
    pooling_modes: tuple[str, ...]
    max_seq_length: int
    lowercase: bool  # sentence-transformers' own `do_lower_case`, on top of the tokenizer's
    dimension: int

    @classmethod
    def read(cls, root: Path) -> ModelLayout:
        modules_file = root / "modules.json"
        try:
            modules = json.loads(modules_file.read_text("utf-8")) if modules_file.exists() else []
        except (OSError, ValueError) as exc:
            raise ConfigError(f"Cannot read {modules_file}: {exc}") from exc
        kinds = {str(m["type"]).rsplit(".", 1)[-1]: root / m.get("path", "") for m in modules}
        unknown = sorted(set(kinds) - {"Transformer", "Pooling", "Normalize"})
        if unknown:
            raise ConfigError(
                f"The ONNX backend handles Transformer + Pooling models; {root} also has "
                f"{', '.join(unknown)}. Use NEWSBOT_EMBEDDING_BACKEND=torch for this model."
            )
        transformer_dir = kinds.get("Transformer", root)
        config = _read_json(transformer_dir / "config.json")
        st_config_file = transformer_dir / "sentence_bert_config.json"
        st_config = _read_json(st_config_file) if st_config_file.exists() else {}
        positions = int(config.get("max_position_embeddings", 512))
        max_seq_length = int(st_config.get("max_seq_length") or positions)

        pooling_file = kinds.get("Pooling", root / "1_Pooling") / "config.json"
        pooling = _read_json(pooling_file) if pooling_file.exists() else {}
        modes = _pooling_modes(pooling)
        unsupported = [m for m in modes if m not in SUPPORTED_POOLING]
        if unsupported:
            raise ConfigError(
                f"The ONNX backend cannot pool with {', '.join(unsupported)} ({pooling_file}). "
                "Use NEWSBOT_EMBEDDING_BACKEND=torch for this model."
            )
        hidden = int(
            pooling.get("embedding_dimension")
            or pooling.get("word_embedding_dimension")
            or config.get("hidden_size", 0)
        )
        return cls(
            root=root,
            transformer_dir=transformer_dir,
            pooling_modes=modes,
            max_seq_length=min(max_seq_length, positions),
            lowercase=bool(st_config.get("do_lower_case", False)),
            dimension=hidden * len(modes),
        )

    def cache_key(self) -> str:
        """Changes with the model's path, its configs and the size of its weights."""
        digest = hashlib.sha256(f"{EXPORT_FORMAT}\x1f{self.root.resolve()}".encode())
        folders = {self.root, self.transformer_dir}
        files = sorted(p for folder in folders for p in folder.iterdir() if p.is_file())
        for path in files:
            if path.suffix == ".json":
                digest.update(path.name.encode() + path.read_bytes())
            elif path.suffix in (".safetensors", ".bin", ".pt"):
                digest.update(f"{path.name}:{path.stat().st_size}".encode())
        return digest.hexdigest()[:12]


def _pooling_modes(pooling: dict[str, Any]) -> tuple[str, ...]:
    mode = pooling.get("pooling_mode")
    if isinstance(mode, str):
        return (mode,)
    if isinstance(mode, list) and mode:
        return tuple(str(m) for m in mode)
    legacy = tuple(name for key, name in _LEGACY_POOLING_KEYS.items() if pooling.get(key))
    return legacy or ("mean",)


def model_slug(model_path: str) -> str:
    """A readable folder name for a model: its last two path parts, filesystem-safe."""
    parts = [p for p in re.split(r"[\\/]+", model_path.strip()) if p][-2:]
    return re.sub(r"[^A-Za-z0-9._-]+", "_", "--".join(parts))[:60] or "model"


def write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    """Run `write(tmp)` then rename tmp to target: readers never see half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{uuid.uuid4().hex}.tmp{target.suffix}")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def export_onnx(layout: ModelLayout, target: Path) -> None:
    """Export the model's transformer (token embeddings out) to an ONNX file."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # no "Loading weights" bar
    model = AutoModel.from_pretrained(str(layout.transformer_dir), attn_implementation="eager")
    model.eval()
    tokenizer = _load_tokenizer(layout)
    tokenizer.enable_padding(pad_id=_pad_id(tokenizer))  # the example batch must have padding
    examples = tokenizer.encode_batch(["A short example.", "A longer example sentence, padded."])
    inputs = {
        "input_ids": torch.tensor([e.ids for e in examples]),
        "attention_mask": torch.tensor([e.attention_mask for e in examples]),
    }
    if "token_type_ids" in inspect.signature(model.forward).parameters:
        inputs["token_type_ids"] = torch.tensor([e.type_ids for e in examples])
    names = list(inputs)

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.model(**dict(zip(names, tensors, strict=True))).last_hidden_state

    axes = {name: {0: "batch", 1: "sequence"} for name in [*names, "token_embeddings"]}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about shapes that stay dynamic
        torch.onnx.export(
            TokenEmbeddings(),
            tuple(inputs.values()),
            str(target),
            input_names=names,
            output_names=["token_embeddings"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,  # the torch.export-based exporter needs onnxscript
        )


class _DropRootChatter(logging.Filter):
    """The quantizer logs dozens of lines straight on the root logger; keep only errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR


def quantize_int8(source: Path, target: Path) -> None:
    """Dynamic int8: weights per output channel, MatMul only (embeddings stay float)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root, chatter = logging.getLogger(), _DropRootChatter()
    root.addFilter(chatter)  # applies to records logged on the root logger itself only
    try:
        quantize_dynamic(
            str(source),
            str(target),
            per_channel=True,
            op_types_to_quantize=["MatMul"],
            weight_type=QuantType.QInt8,
        )
    finally:
        root.removeFilter(chatter)


def ensure_exported(layout: ModelLayout, cache_dir: Path, *, quantized: bool) -> Path:
    """The cached ONNX file for this model, exported (and quantized) on first use."""
    folder = cache_dir / "onnx" / f"{model_slug(str(layout.root))}-{layout.cache_key()}"
    fp32 = folder / "model.onnx"
    if not fp32.exists():
        log.info("preparing the embedding model for ONNX Runtime, once (about 10 s): %s", folder)
        write_atomically(fp32, lambda tmp: export_onnx(layout, tmp))
    if not quantized:
        return fp32
    int8 = folder / "model.int8.onnx"
    if not int8.exists():
        log.debug("quantizing %s to int8 (once)", fp32)
        write_atomically(int8, lambda tmp: quantize_int8(fp32, tmp))
    return int8


def _load_tokenizer(layout: ModelLayout) -> Any:
    from tokenizers import Tokenizer

    path = layout.transformer_dir / "tokenizer.json"
    if not path.exists():
        raise ConfigError(
            f"The ONNX backend needs a fast tokenizer ({path} is missing). "
            "Use NEWSBOT_EMBEDDING_BACKEND=torch for this model."
        )
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(max_length=layout.max_seq_length)
    return tokenizer


def _pad_id(tokenizer: Any) -> int:
    if tokenizer.padding:
        return int(tokenizer.padding["pad_id"])
    for token in ("[PAD]", "<pad>"):
        if (token_id := tokenizer.token_to_id(token)) is not None:
            return int(token_id)
    return 0


def pool(token_embeddings: np.ndarray, mask: np.ndarray, modes: Sequence[str]) -> np.ndarray:
    """Sentence vectors from token vectors, like sentence-transformers' `Pooling`."""
    weights = mask[..., None].astype(np.float32)
    counts = np.clip(weights.sum(axis=1), 1e-9, None)
    pooled = []
    for mode in modes:
        if mode == "cls":
            pooled.append(token_embeddings[:, 0])
        elif mode == "max":
            pooled.append(np.where(weights > 0, token_embeddings, -1e9).max(axis=1))
        elif mode == "mean":
            pooled.append((token_embeddings * weights).sum(axis=1) / counts)
        elif mode == "mean_sqrt_len_tokens":
            pooled.append((token_embeddings * weights).sum(axis=1) / np.sqrt(counts))
        else:
            raise ValueError(f"unsupported pooling mode {mode!r}")
    return np.concatenate(pooled, axis=1)


def _normalize(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class OnnxEncoder:
    """Encodes with ONNX Runtime; vectors are L2-normalised float32, one row per text."""

    def __init__(self, model_path: str, *, cache_dir: Path, quantized: bool) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise ConfigError(
                "The ONNX embedding backend needs onnxruntime and onnx: "
                "pip install onnx onnxruntime, or set NEWSBOT_EMBEDDING_BACKEND=torch."
            ) from exc
        root = Path(model_path)
        if not root.is_dir():
            raise ConfigError(
                f"The ONNX backend needs the model as a local folder; {model_path!r} is not one."
            )
        self.layout = ModelLayout.read(root)
        self.dimension = self.layout.dimension
        self.model_file = ensure_exported(self.layout, Path(cache_dir), quantized=quantized)
        self.one_at_a_time = quantized  # int8 vectors must not depend on the batch (see above)
        self._tokenizer = _load_tokenizer(self.layout)
        self._pad_id = _pad_id(self._tokenizer)
        self._tokenizer.no_padding()  # padded per batch, to the longest text of the batch
        self._counter = _load_tokenizer(self.layout)
        self._counter.no_truncation()  # counts a text's whole length
        self._counter.no_padding()
        processor = self._counter.post_processor
        special = processor.num_special_tokens_to_add(False) if processor is not None else 0
        self.max_tokens = self.layout.max_seq_length - special
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1 if self.one_at_a_time else _cores()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(
            str(self.model_file), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = [i.name for i in self._session.get_inputs()]
        self._texts_at_once = _cores() if self.one_at_a_time else 1
        self._threads: ThreadPoolExecutor | None = None  # started on the first call it helps
        self._starting = threading.Lock()

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        texts = [t.lower() for t in texts] if self.layout.lowercase else list(texts)
        return [len(e.ids) for e in self._counter.encode_batch(texts, add_special_tokens=False)]

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        texts = [t.lower() for t in texts] if self.layout.lowercase else list(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(texts)
        batch_size = 1 if self.one_at_a_time else batch_size
        # Longest first, so texts of similar length share a batch and padding stays small.
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]

        def run(rows: list[int]) -> np.ndarray:
            return self._encode_batch([encodings[i] for i in rows])

        if len(batches) > 1 and self._texts_at_once > 1:
            vectors = list(self._pool().map(run, batches))  # the session runs them at once
        else:
            vectors = [run(rows) for rows in batches]
        for rows, found in zip(batches, vectors, strict=True):
            out[rows] = found
        return out

    def _pool(self) -> ThreadPoolExecutor:
        with self._starting:
            if self._threads is None:
                self._threads = ThreadPoolExecutor(self._texts_at_once, "newsbot-onnx")
            return self._threads

    def _encode_batch(self, encodings: Sequence[Any]) -> np.ndarray:
        length = max(1, *(len(e.ids) for e in encodings))
        shape = (len(encodings), length)
        arrays = {
            "input_ids": np.full(shape, self._pad_id, dtype=np.int64),
            "attention_mask": np.zeros(shape, dtype=np.int64),
            "token_type_ids": np.zeros(shape, dtype=np.int64),
        }
        for row, encoding in enumerate(encodings):
            n = len(encoding.ids)
            arrays["input_ids"][row, :n] = encoding.ids
            arrays["attention_mask"][row, :n] = 1
            arrays["token_type_ids"][row, :n] = encoding.type_ids
        feed = {name: arrays[name] for name in self._inputs}
        (token_embeddings,) = self._session.run(["token_embeddings"], feed)
        pooled = pool(token_embeddings, arrays["attention_mask"], self.layout.pooling_modes)
        return _normalize(pooled)
