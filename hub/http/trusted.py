"""Trusted documents: when HUB_TRUSTED_DOCUMENTS names a registry, only its documents run.

The registry is a JSON object mapping the lowercase sha256 hex digest of each document's exact
text to that text. A client sends either the registered text as `query`, or only its hash in the
persisted-query style `"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}`.
Anything else is refused with UNTRUSTED_DOCUMENT, whatever the caller's role.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

from graphql import GraphQLError

from hub.http.protocol import GraphQLRequest, bad_request


def digest(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def untrusted(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "UNTRUSTED_DOCUMENT"})


class TrustedDocuments:
    def __init__(self, documents: dict[str, str]) -> None:
        wrong = [key for key, text in documents.items() if digest(text) != key.lower()]
        if wrong:
            raise ValueError(f"trusted documents whose key is not the sha256 of the text: {wrong}")
        self.documents = {key.lower(): text for key, text in documents.items()}

    @classmethod
    def load(cls, path: Path) -> TrustedDocuments:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            raise ValueError(f"{path}: expected a JSON object of sha256 hex -> document text")
        return cls(data)

    def resolve(self, request: GraphQLRequest) -> GraphQLRequest:
        """The request with its registered document, or UNTRUSTED_DOCUMENT raised."""
        persisted = (request.extensions or {}).get("persistedQuery")
        wanted = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if persisted is not None and not isinstance(wanted, str):
            raise bad_request("`extensions.persistedQuery.sha256Hash` must be a string")
        if isinstance(wanted, str):
            document = self.documents.get(wanted.lower())
            if document is None:
                raise untrusted(
                    "this hub runs trusted documents only, and no document has that sha256Hash"
                )
            if request.query and digest(request.query) != wanted.lower():
                raise untrusted("the query does not match its sha256Hash")
            return replace(request, query=document)
        if request.query is None:
            return request  # the handler answers a missing query
        if digest(request.query) not in self.documents:
            raise untrusted(
                "this hub runs trusted documents only: send a registered document, or its "
                "hash as extensions.persistedQuery.sha256Hash"
            )
        return request
