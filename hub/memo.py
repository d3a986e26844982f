"""A bounded cache of things built from a key: compiled SQL expressions and statements."""

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class Memo:
    """Emptied when full, rather than kept in order of use: what it holds is cheap to build
    again, and the keys in use at any time are few (the callers' decisions and shapes)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._held: dict[Hashable, Any] = {}

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The thing built for `key`, built now if it is new."""
        try:
            found: T = self._held[key]
            return found
        except KeyError:
            pass
        if len(self._held) >= self._size:
            self._held.clear()
        self._held[key] = made = build()
        return made

    def clear(self) -> None:
        """Forget everything built (a test that changes how things are built)."""
        self._held.clear()
