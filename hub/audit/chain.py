"""The hash chain: each record's hash covers its content and the hash of the record before it.

record_hash = SHA-256(canonical JSON of the hashed fields, `prev_hash` included). The record's id
is its position in the chain (1, 2, 3 ...) and is not hashed: position is proven by the links,
so a moved record breaks them. The chain head (last id and hash) and periodic checkpoints are
signed with HMAC-SHA-256 under the audit signing key, so the log cannot be rewritten or truncated
and re-hashed by someone without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any

GENESIS = "0" * 64

HASHED_FIELDS: tuple[str, ...] = (
    "at",
    "principal_id",
    "organisation_id",
    "role",
    "purpose",
    "operation_type",
    "operation_name",
    "document_hash",
    "variables",
    "outcome",
    "touched",
    "trace_id",
    "client_addr",
    "user_agent",
    "prev_hash",
)


def plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, Enum):
        return value.value
    return value


def canonical(fields: Mapping[str, Any]) -> bytes:
    """The bytes a record's hash covers: its hashed fields as sorted, compact JSON."""
    body = {name: plain(fields.get(name)) for name in HASHED_FIELDS}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_hash(fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(fields)).hexdigest()


def sign(key: bytes, seq: int, hash_: str) -> str:
    """The signature of "record `seq` has hash `hash_`" (chain head and checkpoints)."""
    return hmac.new(key, f"{seq}:{hash_}".encode(), hashlib.sha256).hexdigest()


def signature_valid(key: bytes, seq: int, hash_: str, signature: str | None) -> bool:
    return signature is not None and hmac.compare_digest(sign(key, seq, hash_), signature)
