"""Variables as recorded: secrets replaced, whatever their depth."""

from __future__ import annotations

import re
from typing import Any

from hub.auth.tokens import is_well_formed

REDACTED = "[REDACTED]"
_SECRET_NAME = re.compile(
    r"token|secret|password|passwd|authori[sz]ation|credential|api_?key", re.I
)


def redact(value: Any, name: str = "") -> Any:
    """`value` with every secret-named entry and every token-shaped string replaced."""
    if name and _SECRET_NAME.search(name):
        return REDACTED
    if isinstance(value, dict):
        return {str(key): redact(item, str(key)) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if isinstance(value, str) and is_well_formed(value):
        return REDACTED
    return value
