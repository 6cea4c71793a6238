"""Settings, read once from the environment (and `.env`) and passed in.

Every setting is documented in `.env.example`. Nothing here runs at import time:
call `Settings()` (or `load_settings()`) where the program starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

BUNDLED_MODEL = "all-MiniLM-L6-v2"
EmbeddingBackend = Literal["auto", "torch", "onnx", "onnx-int8"]
EMBEDDING_BACKENDS: tuple[str, ...] = get_args(EmbeddingBackend)


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

    prefix: str = "!"

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
    chunk_words: int = Field(default=200, ge=20)
    fetch_timeout: float = Field(default=20.0, gt=0)
    max_source_bytes: int = Field(default=20_000_000, ge=1)

    @field_validator(
        "discord_token",
        "chroma_host",
        "openai_base_url",
        "openai_api_key",
        "model_cache_dir",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """`DISCORD_TOKEN=` in .env (as in .env.example) means "not set"."""
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def cache_dir(self) -> Path:
        return self.model_cache_dir or self.data_dir / "cache"


def load_settings(**overrides: object) -> Settings:
    """Read the settings from the environment, with explicit overrides on top."""
    return Settings(**overrides)  # type: ignore[arg-type]
