"""One settings object, read from HUB_* environment variables; nothing else reads the environment.

Every field here is documented in README.md (a test checks that).
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUB_", extra="ignore", frozen=True)

    database_url: str = Field(
        default="sqlite+aiosqlite:///./hub.db",
        description="SQLAlchemy async URL of the hub's database.",
    )
    mode: Literal["development", "production"] = Field(
        default="development",
        description="production turns off GraphiQL and introspection.",
    )
    host: str = Field(default="127.0.0.1", description="Address `hub serve` binds to.")
    port: int = Field(default=8000, description="Port `hub serve` listens on.")
    workers: int = Field(default=1, description="Worker processes for `hub serve`.")
    max_page_size: int = Field(
        default=5000,
        ge=1,
        description="Largest `first` a connection accepts; dashboards ask for thousands of values.",
    )
    default_page_size: int = Field(default=100, ge=1, description="`first` when none is given.")
    db_pool_size: int = Field(default=10, ge=1, description="PostgreSQL connection pool size.")
    db_echo: bool = Field(default=False, description="Log every SQL statement (debugging only).")
    token_default_days: int = Field(
        default=90, ge=1, description="Lifetime of an issued token when --expires is not given."
    )
    log_level: str = Field(default="info", description="Log level of the hub and uvicorn.")
    policy_dir: Path | None = Field(
        default=None, description="Folder of *.polar policies; default: the repository's policies/."
    )
    # --- ingest (hub/ingest) ---
    ingest_max_body_bytes: int = Field(
        default=100 * 1024 * 1024,
        ge=1,
        description="Largest body `POST /ingest/{source}` accepts; larger ones get HTTP 413.",
    )
    ingest_max_errors: int = Field(
        default=1000,
        ge=1,
        description="Problems a rejected batch lists (all are counted in its errorCount).",
    )
    ingest_chunk_rows: int = Field(
        default=5000,
        ge=100,
        le=8000,
        description="Rows written per chunk inside a batch's transaction.",
    )
    ingest_mutation_max_rows: int = Field(
        default=5000,
        ge=1,
        description="Most rows the submitBatch mutation takes; larger batches use POST /ingest.",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
