"""OpenTelemetry: a span per HTTP request and per GraphQL operation and step (parse, validate).

The exporter follows the standard variable OTEL_TRACES_EXPORTER: `console`, `otlp` (OTLP over
HTTP, when opentelemetry-exporter-otlp-proto-http is installed; configured by the standard
OTEL_EXPORTER_OTLP_* variables) or `none` (the default). Spans never carry tokens: the HTTP span
records method, route and status only, and the GraphQL span omits the document (its SHA-256 is
in the access record) and resolver arguments.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Generator
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import Engine, event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import LifecycleStep
from strawberry.extensions.tracing import OpenTelemetryExtension

log = logging.getLogger("hub.telemetry")


def _exporter(name: str) -> SpanExporter | None:
    if name == "console":
        return ConsoleSpanExporter()
    if name == "otlp":
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError:
            log.warning("OTEL_TRACES_EXPORTER=otlp needs opentelemetry-exporter-otlp-proto-http")
            return None
        exporter: SpanExporter = OTLPSpanExporter()
        return exporter
    return None


def configure_tracing() -> None:
    """Install a tracer provider once, if OTEL_TRACES_EXPORTER asks for an exporter."""
    name = os.environ.get("OTEL_TRACES_EXPORTER", "none").strip().lower()
    exporter = _exporter(name)
    if exporter is None or isinstance(trace.get_tracer_provider(), TracerProvider):
        return
    provider = TracerProvider(resource=Resource.create({"service.name": "hub"}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)


class GraphQLTracing(OpenTelemetryExtension):
    """strawberry's extension: one span per operation, parse and validate; none per field, and
    never the document or arguments (they may hold secrets)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(arg_filter=lambda _args, _info: {}, **kwargs)

    def on_operation(self) -> Generator[None, None, None]:
        steps = super().on_operation()
        next(steps)  # the parent opens the operation span and puts the document in it
        self._span_holder[LifecycleStep.OPERATION].set_attribute("query", "[omitted]")
        yield
        for _ in steps:  # the parent names and ends the span
            pass

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        return _next(root, info, *args, **kwargs)


class HttpSpanMiddleware:
    """A server span per HTTP request: method, route, status; no headers, no query string."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope.get("method", ""), scope.get("path", "")
        tracer = trace.get_tracer("hub")  # per request: follows the provider if it changes
        with tracer.start_as_current_span(f"HTTP {method} {path}", kind=SpanKind.SERVER) as span:
            span.set_attribute("http.request.method", method)
            span.set_attribute("url.path", path)

            async def send_with_status(message: Message) -> None:
                if message["type"] == "http.response.start":
                    span.set_attribute("http.response.status_code", message["status"])
                await send(message)

            await self.app(scope, receive, send_with_status)


def _sql_started(
    _conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
) -> None:
    # The statement's text holds placeholders, never the bound values: safe to name its kind.
    verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
    # The tracer is looked up each time: a provider installed later must receive the span.
    tracer = trace.get_tracer("hub.sql")
    context._hub_span = tracer.start_span(f"sql {verb}", kind=SpanKind.CLIENT)


def _sql_finished(
    _conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool
) -> None:
    span = getattr(context, "_hub_span", None)
    if span is not None:
        span.end()


def trace_sql(engine: AsyncEngine | Engine) -> None:
    """A span per SQL statement the engine sends (its verb only: no text, no parameters)."""
    sync = engine.sync_engine if isinstance(engine, AsyncEngine) else engine
    event.listen(sync, "before_cursor_execute", _sql_started)
    event.listen(sync, "after_cursor_execute", _sql_finished)
