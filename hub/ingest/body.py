"""The submitted bytes, metered as they stream: size limit, SHA-256 for idempotency, progress."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable


class PayloadTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is larger than the limit of {limit} bytes")
        self.limit = limit


class Body:
    """An async iterator of chunks that hashes and counts them; `drain` reads what is left.

    The digest also covers what the bytes are submitted as (source, dataset, format), so the same
    bytes sent as another dataset are a different payload.
    """

    def __init__(
        self,
        chunks: AsyncIterator[bytes],
        limit: int,
        label: str,
        on_chunk: Callable[[int], None] | None = None,
    ) -> None:
        self._chunks = chunks
        self._limit = limit
        self._on_chunk = on_chunk
        self._hash = hashlib.sha256(label.encode() + b"\n")
        self.size = 0

    def __aiter__(self) -> Body:
        return self

    async def __anext__(self) -> bytes:
        chunk = await self._chunks.__anext__()
        self.size += len(chunk)
        if self.size > self._limit:
            raise PayloadTooLarge(self._limit)
        self._hash.update(chunk)
        if self._on_chunk is not None:
            self._on_chunk(len(chunk))
        return chunk

    async def drain(self) -> None:
        """Read (and hash) the rest of the body, so the digest is of the whole payload."""
        async for _ in self:
            pass

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


async def single(data: bytes) -> AsyncIterator[bytes]:
    """A body that is already in memory (the GraphQL mutation's rows)."""
    yield data
