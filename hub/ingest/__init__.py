"""The ingest engine: adapter specs (adapters/*.yaml) turn pushed CSV or JSON into records.

One path for every way in (GraphQL `submitBatch`, `POST /ingest/{source}`, `hub ingest`):
hub.ingest.engine.Ingestor. Modules, in the order a batch meets them: catalogue and spec_reader
(the specs), body (metered bytes), readers (streaming CSV/JSON), validate with fields and columns
(rows to records), store (chunked writes, supersession), batches (read-back), http (the route).
"""
