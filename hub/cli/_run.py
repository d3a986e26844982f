"""Shared plumbing for commands: run a coroutine against the configured database."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hub.audit.operator import traced_change
from hub.db import create_engine, session_factory, unit_of_work
from hub.settings import get_settings

T = TypeVar("T")


def with_engine(work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run `work` on an engine for HUB_DATABASE_URL and dispose of the engine afterwards."""

    async def run() -> T:
        engine = create_engine(get_settings())
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def fail(message: str) -> typer.Exit:
    """Say what went wrong on stderr; the command exits 1."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


def in_transaction(
    work: Callable[[AsyncSession], Awaitable[T]],
    *,
    change: tuple[str, dict[str, Any]] | None = None,
    refusals: tuple[type[Exception], ...] = (),
) -> T:
    """Run `work` in one unit of work on HUB_DATABASE_URL; a refusal (bad input) or a database
    error exits 1 with a message, having changed nothing.

    A `change` (command and arguments) is traced in the access log, as any request is."""

    async def in_session(engine: AsyncEngine) -> T:
        if change is not None:
            command, arguments = change
            return await traced_change(engine, command, arguments, work)
        async with unit_of_work(session_factory(engine)) as session:
            return await work(session)

    try:
        return with_engine(in_session)
    except refusals as error:
        raise fail(str(error)) from None
    except DBAPIError as error:
        raise fail(
            f"database error ({type(error.orig).__name__}: {error.orig}); "
            "is HUB_DATABASE_URL right, and has `hub db upgrade` been run?"
        ) from None
    except OSError as error:
        raise fail(f"cannot reach the database at HUB_DATABASE_URL: {error}") from None
