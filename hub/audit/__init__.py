"""Access traces: one append-only, hash-chained record per request (issue 5).

- `draft`: what a request collects for its record while it runs (a context variable);
- `chain`: the canonical form of a record, its hash, and the HMAC signatures of the chain head
  and checkpoints;
- `store`: appends a record to the chain, serialised on the chain-head row (or guarded on it);
- `middleware`: records every HTTP request, including refused ones, before its response leaves;
- `extension`: the GraphQL operation's name, type, document hash, redacted variables, outcome;
- `verify`: walks the log and names the first altered, missing, inserted or reordered record;
- `export`: the log as JSON lines or CSV.
"""
