"""Settings, read once from the environment (and `.env`) and passed in.

Every setting is documented in `.env.example`. Nothing here runs at import time:
call `Settings()` (or `load_settings()`) where the program starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from retrieval.errors import ConfigError

BUNDLED_MODEL = "all-MiniLM-L6-v2"
EmbeddingBackend = Literal["auto", "torch", "onnx", "onnx-int8"]
EMBEDDING_BACKENDS: tuple[str, ...] = get_args(EmbeddingBackend)
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
LOG_LEVELS: tuple[str, ...] = get_args(LogLevel)


# The engine's limits, which the fronts show and enforce before asking.
MAX_QUESTION_CHARS = 1000  # a longer question is refused
HISTORY_TURNS = 3  # earlier exchanges of a conversation a follow-up question sees


def is_bundled(model: str) -> bool:
    return model in (BUNDLED_MODEL, f"sentence-transformers/{BUNDLED_MODEL}")


class Settings(BaseSettings):
    """newsbot's configuration. Environment variables use the `NEWSBOT_` prefix."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Secrets keep their conventional names (no prefix) and are never printed.
    discord_token: SecretStr | None = Field(default=None, validation_alias="DISCORD_TOKEN")

    data_dir: Path = Path("data")
    embedding_model: str = BUNDLED_MODEL
    embedding_backend: EmbeddingBackend = "auto"
    embedding_batch_size: int = Field(default=64, ge=1)
    model_cache_dir: Path | None = None  # where ONNX exports go; default <data_dir>/cache

    chroma_host: str | None = None
    chroma_port: int = 8000
    # Without a chroma_host: "server" runs the data dir's own chromadb server, shared by
    # every newsbot process; "embedded" opens the store in this process (one at a time).
    store_mode: Literal["server", "embedded"] = "server"
    # The data dir's own server is restarted (between writes) when it holds more than this
    # (MB): chromadb keeps every collection's vector index it opened until it stops.
    store_memory_mb: float | None = Field(default=4096, gt=0)

    prefix: str = "!"

    # Discord sharding: this process connects the shards NEWSBOT_SHARD_IDS ("0,1"; unset:
    # all of them) of NEWSBOT_SHARD_COUNT (unset: one process, Discord's default).
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: str = ""
    # Poll followed feeds in this process (several may: each feed is leased to one poller).
    poll_feeds: bool = True

    llm: Literal["none", "openai", "ollama"] = "none"
    llm_model: str = ""
    llm_timeout: float = Field(default=30.0, gt=0)
    openai_base_url: str | None = Field(default=None, validation_alias="OPENAI_BASE_URL")
    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    ollama_base_url: str = Field(
        default="http://localhost:11434", validation_alias="OLLAMA_BASE_URL"
    )

    # Retrieval and answering knobs (defaults tuned on the RealTimeQA dev split).
    top_k: int = Field(default=10, ge=1, le=100)
    # The extractive answer is refused when the chance that it answers is under this
    # (retrieval/answer/answerability.py; None: its default). Higher refuses more of
    # what the articles don't say, and more short questions they do answer.
    min_confidence: float | None = Field(default=None, ge=0, lt=1)
    # Chunks fill the embedding model's window (256 tokens for MiniLM, title line
    # included), or `chunk_tokens` if fewer; `chunk_words` caps the character length.
    chunk_tokens: int | None = Field(default=None, ge=32)
    chunk_words: int = Field(default=200, ge=20)
    fetch_timeout: float = Field(default=20.0, gt=0)  # seconds without a byte
    fetch_deadline: float = Field(default=20.0, gt=0)  # seconds for a whole download
    allowed_private_hosts: str = ""  # names or addresses /ingest may reach, comma-separated
    max_source_bytes: int = Field(default=20_000_000, ge=1)
    # The spaces' search indexes together stay under this (least recently used closed).
    index_memory_mb: float = Field(default=2048, gt=0)
    # Larger spaces take dense candidates from the store's approximate (HNSW) index.
    exact_search_max_chunks: int = Field(default=200_000, ge=0)

    # Followed feeds: forget their articles dated more than this many days ago (unset: keep all).
    keep_days: int | None = Field(default=None, ge=1)

    # Logging: DEBUG, INFO, WARNING or ERROR; unset: INFO for `newsbot run`, else WARNING.
    log_level: LogLevel | None = None

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_any_case(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().upper() in (*LOG_LEVELS, ""):
            return value.strip().upper() or None
        return value

    @field_validator("data_dir")
    @classmethod
    def _a_directory(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise ValueError("must be a directory")
        return value

    @field_validator(
        "discord_token",
        "chroma_host",
        "openai_base_url",
        "openai_api_key",
        "model_cache_dir",
        "keep_days",
        "min_confidence",
        "store_memory_mb",
        "shard_count",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """`DISCORD_TOKEN=` in .env (as in .env.example) means "not set"."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("shard_ids")
    @classmethod
    def _shards_of_the_count(cls, value: str, info: ValidationInfo) -> str:
        names = [name.strip() for name in value.split(",") if name.strip()]
        if not names:
            return ""
        count = info.data.get("shard_count")
        if count is None:
            raise ValueError("must come with NEWSBOT_SHARD_COUNT, the number of shards in all")
        if not all(name.isdigit() for name in names):
            raise ValueError("must be shard numbers separated by commas, like 0,1")
        if max(int(name) for name in names) >= count:
            raise ValueError(f"must be below NEWSBOT_SHARD_COUNT ({count}); shards count from 0")
        return ",".join(str(n) for n in sorted({int(name) for name in names}))

    @property
    def shards(self) -> tuple[int, ...] | None:
        """The shard ids this process connects (None: all of NEWSBOT_SHARD_COUNT's)."""
        return tuple(int(n) for n in self.shard_ids.split(",")) if self.shard_ids else None

    @property
    def private_hosts_allowed(self) -> frozenset[str]:
        """NEWSBOT_ALLOWED_PRIVATE_HOSTS as lower-case names and addresses."""
        names = self.allowed_private_hosts.split(",")
        hosts = (name.strip().strip("[]").rstrip(".").lower() for name in names)
        return frozenset(host for host in hosts if host)

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def index_dir(self) -> Path:
        """Snapshots of the spaces' search indexes (rebuilt from the store when stale)."""
        return self.data_dir / "index"

    @property
    def cache_dir(self) -> Path:
        return self.model_cache_dir or self.data_dir / "cache"


def load_settings(**overrides: object) -> Settings:
    """Read the settings from the environment, with explicit overrides on top.

    Raises ConfigError with one line per bad setting, naming it as the user wrote it:
    `NEWSBOT_LLM must be one of none, openai, ollama, not 'frobnicate'`.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError("\n".join(describe_error(e) for e in exc.errors())) from None


_FIELDS_BY_ALIAS = {
    str(f.validation_alias): name for name, f in Settings.model_fields.items() if f.validation_alias
}
_BOUNDS = {
    "greater_than": "more than {gt}",
    "greater_than_equal": "at least {ge}",
    "less_than": "less than {lt}",
    "less_than_equal": "at most {le}",
}
_KINDS = {
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "bool_parsing": "true or false",
    "path_type": "a path",
}


def describe_error(error: Mapping[str, Any]) -> str:
    """One pydantic error on Settings as a sentence naming the environment variable."""
    key = str(error["loc"][0]) if error.get("loc") else "?"
    name = _FIELDS_BY_ALIAS.get(key, key)
    field = Settings.model_fields.get(name)
    variable = key if key in _FIELDS_BY_ALIAS else f"NEWSBOT_{name.upper()}"
    kind, ctx = error["type"], error.get("ctx") or {}
    choices = [a for a in get_args(field.annotation) if isinstance(a, str)] if field else []
    if field and not choices:  # Optional[Literal[...]]
        choices = [c for arg in get_args(field.annotation) for c in get_args(arg)]
    if kind == "literal_error" and choices:
        rule = "be one of " + ", ".join(map(str, choices))
    elif kind in _BOUNDS:
        bounds = {k: f"{v:g}" if isinstance(v, float) else v for k, v in ctx.items()}
        rule = "be " + _BOUNDS[kind].format(**bounds)
    elif kind in _KINDS:
        rule = "be " + _KINDS[kind]
    else:
        rule = str(error.get("msg", "be valid")).removeprefix("Value error, ")
        rule = rule if rule.startswith("must ") else f"be valid ({rule})"
        rule = rule.removeprefix("must ")
    secret = field is not None and "SecretStr" in str(field.annotation)
    shown = "" if secret or "input" not in error else f", not {str(error['input'])!r}"
    return f"{variable} must {rule}{shown}"
