"""GraphQL over HTTP, as the graphql-over-http spec says, and the limits that keep it safe.

`handler` answers one HTTP request to /graphql; `protocol` reads it; `negotiation` picks the
response's media type; `limits` checks documents before they run; `ratelimit` and `headers` are
ASGI middlewares; `trusted` is the trusted-documents registry.
"""
