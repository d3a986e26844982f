"""Which media type a GraphQL response uses, from the request's Accept header.

The spec's rules: `application/graphql-response+json` when the client accepts it, else
`application/json` (also for a missing Accept, `*/*` and `application/*`); if the client accepts
neither, None (the handler answers 406).
"""

from __future__ import annotations

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value.strip())
            except ValueError:
                return 0.0
    return 1.0


def response_media_type(accept: str | None) -> str | None:
    if accept is None or not accept.strip():
        return JSON
    best: tuple[float, int, str] | None = None  # (quality, specificity, media type)
    for item in accept.split(","):
        media, *params = item.split(";")
        media = media.strip().lower()
        quality = _quality(params)
        if quality <= 0:
            continue
        if media == GRAPHQL_RESPONSE:
            candidate = (quality, 2, GRAPHQL_RESPONSE)
        elif media == JSON:
            candidate = (quality, 1, JSON)
        elif media in ("*/*", "application/*"):
            candidate = (quality, 0, JSON)
        else:
            continue
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return None if best is None else best[2]
