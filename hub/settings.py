"""One settings object, read from HUB_* environment variables; nothing else reads the environment.

Every field here is documented in README.md (a test checks that).
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
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
    db_statement_timeout_ms: int = Field(
        default=60000,
        ge=0,
        description="Longest one SQL statement may run before the database stops it (0: no "
        "limit); a GraphQL field stopped by it answers TIMEOUT. `hub db upgrade` and the signal "
        "rules' background evaluation run without it.",
    )
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
    # --- access traces (hub/audit) ---
    audit_signing_key: SecretStr | None = Field(
        default=None,
        description="Secret (any long random string) that signs the access log's chain head and "
        "checkpoints. Required in production; development falls back to a public key and warns.",
    )
    audit_signing_keys: SecretStr | None = Field(
        default=None,
        description="Audit signing keys by id, for rotation: `id=key` pairs separated by "
        "commas (ids: 1-32 letters, digits, `.`, `_`, `-`), the current key and the retired "
        "ones old checkpoints were signed with. HUB_AUDIT_SIGNING_KEY is the key with id "
        "`default`.",
    )
    audit_signing_key_id: str | None = Field(
        default=None,
        description="Id of the audit key that signs from now on. Default: `default` when "
        "HUB_AUDIT_SIGNING_KEY is set, else the only key of HUB_AUDIT_SIGNING_KEYS.",
    )
    audit_checkpoint_every: int = Field(
        default=1000, ge=1, description="A signed checkpoint of the access log every N records."
    )
    audit_enabled: bool = Field(
        default=True,
        description="Record every request in the access log. Off only to benchmark the "
        "overhead; production refuses to start with it off.",
    )
    # --- GraphQL over HTTP and abuse limits (hub/http) ---
    graphql_max_depth: int = Field(
        default=8,
        ge=1,
        description="Deepest field nesting an operation may have (the region panel needs 6).",
    )
    graphql_max_aliases: int = Field(default=15, ge=0, description="Most aliases in a document.")
    graphql_max_tokens: int = Field(
        default=1000, ge=10, description="Most lexical tokens in a document, checked while parsing."
    )
    graphql_max_directives: int = Field(
        default=50, ge=0, description="Most directives in a document."
    )
    graphql_max_cost: int = Field(
        default=5000,
        ge=1,
        description="Largest estimated cost of an operation: the rows it may fetch, each "
        "connection's `first` (or the default page size) times 1 + the cost inside it.",
    )
    graphql_max_body_bytes: int = Field(
        default=2 * 1024 * 1024,
        ge=1024,
        description="Largest body `POST /graphql` accepts; larger ones get HTTP 413.",
    )
    graphql_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Longest an operation may run before a TIMEOUT error."
    )
    rate_limit_per_minute: int = Field(
        default=1200,
        ge=0,
        description="Requests a token may make per minute, sustained (0 turns the limit off). "
        "Each hub process keeps its own count.",
    )
    rate_limit_burst: int = Field(
        default=200, ge=1, description="Requests a token may make at once, above the rate."
    )
    trusted_documents: Path | None = Field(
        default=None,
        description="JSON file mapping sha256 hex digests to GraphQL documents; when set, only "
        "these documents run, for every role.",
    )
    cors_origins: str = Field(
        default="",
        description="Comma-separated origins allowed to call the hub from a browser; empty: none.",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
