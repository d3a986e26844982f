"""Per-request DataLoaders: every nested field is fetched for all its parents in one statement.

Loaders of nested lists take field arguments; one loader exists per distinct set of arguments,
so `authorities { observations(indicators: [...]) }` is one statement however many authorities.
"""

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Row, Table
from strawberry.dataloader import DataLoader

from hub.authz import Kind
from hub.graphql.execution import Prebuilt
from hub.query import agreements, nodes_json, performance, reference, series, series_json
from hub.query.pages import Page, PageRequest
from hub.query.reader import Reader

Rows = Sequence[Row[Any]]
NO_PAGE: Page[Row[Any]] = Page(rows=(), has_next=False)


def _one_each(rows: Rows, keys: Sequence[Any], key: str) -> list[Row[Any] | None]:
    found = {getattr(row, key): row for row in rows}
    return [found.get(k) for k in keys]


def _grouped(rows: Sequence[Any], keys: Sequence[Any], key: str) -> list[list[Any]]:
    groups: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        groups[getattr(row, key)].append(row)
    return [groups.get(k, []) for k in keys]


class Loaders:
    """All loaders of one request, created on first use."""

    def __init__(self, reader: Reader) -> None:
        self._reader = reader
        self._loaders: dict[Hashable, DataLoader[Any, Any]] = {}
        self._known: dict[str, dict[Any, Row[Any]]] = defaultdict(dict)

    def _get(
        self, name: Hashable, load: Callable[[list[Any]], Awaitable[Sequence[Any]]]
    ) -> DataLoader[Any, Any]:
        if name not in self._loaders:
            self._loaders[name] = DataLoader(load_fn=load)
        return self._loaders[name]

    def by_id(self, table: Table) -> DataLoader[Any, Any]:
        """A reference row (region, authority, indicator, source, theme) by primary key."""
        key = next(iter(table.primary_key.columns)).name

        async def load(ids: list[Any]) -> list[Row[Any] | None]:
            return _one_each(await reference.by_ids(self._reader, table, ids), ids, key)

        return self._get(("by_id", table.name), load)

    def now(self, table: Table, row_id: Any) -> Any:
        """The reference row if this request has read it (no awaitable per record: a panel
        has thousands), else an awaitable of it from the batched loader."""
        found = self._known[table.name].get(row_id)
        if found is not None:
            return found
        return self.by_id(table).load(row_id)

    @staticmethod
    def loaded(loader: DataLoader[Any, Any], key: Any) -> Any:
        """What `loader` has loaded for `key` in this request (read ahead), else an awaitable
        of it: a failed or pending load goes the ordinary way, which reports it at its field."""
        future = loader.cache_map.get(key)
        if (
            future is not None
            and future.done()
            and not future.cancelled()
            and future.exception() is None
        ):
            return future.result()
        return loader.load(key)

    def known(self, table: Table) -> Mapping[Any, Row[Any]]:
        """The reference rows of `table` this request has read, by primary key."""
        return self._known[table.name]

    async def know(self, table: Table, ids: Iterable[Any]) -> None:
        """Read these reference rows now, in one batch, so `now` has them."""
        known = self._known[table.name]
        missing = list(set(ids) - known.keys())
        if missing:  # read directly: the loader makes a future and a task for each id
            key = next(iter(table.primary_key.columns)).name
            found = {
                getattr(r, key): r for r in await reference.by_ids(self._reader, table, missing)
            }
            known.update(found)
            self.by_id(table).prime_many(found)

    def authorities_of_region(self, type_: str | None) -> DataLoader[Any, Any]:
        async def load(ids: list[int]) -> list[list[Row[Any]]]:
            rows = await reference.authorities_of_regions(self._reader, ids, type_)
            return _grouped(rows, ids, "region_id")

        return self._get(("authorities_of_region", type_), load)

    def observations_of_authority(
        self,
        f: performance.ObservationFilter,
        page: PageRequest,
        columns: performance.Columns = None,
    ) -> DataLoader[Any, Any]:
        async def load(ids: list[int]) -> list[Page[Row[Any]]]:
            reader = self._reader
            pages = await performance.observations_of_authorities(reader, ids, f, page, columns)
            rows = [row for found in pages.values() for row in found.rows]
            await self.know(reference.INDICATOR, (r.indicator_id for r in rows))
            return [pages.get(i, NO_PAGE) for i in ids]

        return self._get(("observations_of_authority", f, page, columns), load)

    def written_observations_of_authority(
        self, f: performance.ObservationFilter, page: PageRequest, shape: nodes_json.Shape
    ) -> DataLoader[Any, Any]:
        """The same pages with their nodes written as JSON by the database, in one statement."""

        async def load(ids: list[int]) -> list[nodes_json.WrittenPage]:
            found = await nodes_json.of_authorities(self._reader, ids, f, page, shape)
            return [found.get(i, nodes_json.NO_PAGE) for i in ids]

        return self._get(("written_observations_of_authority", f, page, shape), load)

    def series_of_authority(self, f: performance.ObservationFilter) -> DataLoader[Any, Any]:
        """Observations as series (one per indicator) of each authority, all in one statement."""

        async def load(ids: list[int]) -> list[list[series.Series]]:
            found = await series.series_of_authorities(self._reader, ids, f)
            return _grouped(found, ids, "authority_id")

        return self._get(("series_of_authority", f), load)

    def written_series_of_authority(
        self, f: performance.ObservationFilter, shape: series_json.Shape
    ) -> DataLoader[Any, Any]:
        """The same series written as JSON by the database, all in one statement."""

        async def load(ids: list[int]) -> list[Prebuilt]:
            found = await series_json.of_authorities(self._reader, ids, f, shape)
            return [Prebuilt(found.get(i, "[]")) for i in ids]

        return self._get(("written_series_of_authority", f, shape), load)

    def assessments_of_authority(self, framework: str | None) -> DataLoader[Any, Any]:
        async def load(ids: list[int]) -> list[list[Row[Any]]]:
            rows = await performance.assessments_of_authorities(self._reader, ids, framework)
            return _grouped(rows, ids, "authority_id")

        return self._get(("assessments_of_authority", framework), load)

    def grants(self, kind: Kind, table: Table) -> DataLoader[Any, Any]:
        """The agreement version granting each record, by record id (None: no agreement)."""

        async def load(ids: list[int]) -> list[Row[Any] | None]:
            return _one_each(await performance.grants_of(self._reader, kind, table, ids), ids, "id")

        return self._get(("grants", kind), load)

    def flags_of_authority(self, kind: str | None) -> DataLoader[Any, Any]:
        async def load(ids: list[int]) -> list[list[Row[Any]]]:
            rows = await performance.flags_of_authorities(self._reader, ids, kind)
            return _grouped(rows, ids, "authority_id")

        return self._get(("flags_of_authority", kind), load)

    def versions_of_agreement(self) -> DataLoader[Any, Any]:
        """Every version of an agreement, oldest first."""

        async def load(ids: list[int]) -> list[list[Row[Any]]]:
            rows = await agreements.versions_of_agreements(self._reader, ids)
            return _grouped(rows, ids, "agreement_id")

        return self._get("versions_of_agreement", load)

    def terms_of_version(self, part: str) -> DataLoader[Any, Any]:
        """Coverage lines, recipients or purposes of an agreement version."""
        fetch = {
            "coverage": agreements.coverage_of_versions,
            "recipients": agreements.recipients_of_versions,
            "purposes": agreements.purposes_of_versions,
        }[part]

        async def load(ids: list[int]) -> list[list[Row[Any]]]:
            return _grouped(await fetch(self._reader, ids), ids, "version_id")

        return self._get(("terms_of_version", part), load)

    def forget(self) -> None:
        """Drop every loader and what it cached: a mutation changed what they would read."""
        self._loaders.clear()
        self._known.clear()
