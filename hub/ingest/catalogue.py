"""Every adapter spec under adapters/, and which dataset a submission to a source means."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path

from hub.ingest.spec import AdapterSpec, DatasetSpec, SpecError
from hub.ingest.spec_reader import load_spec

ADAPTER_DIR = Path(__file__).resolve().parents[2] / "adapters"


class NoAdapter(LookupError):
    """No spec feeds this source: nothing can be submitted to it."""


class UnknownDataset(ValueError):
    """The source has datasets, but not one of this name."""


@dataclass(frozen=True, slots=True)
class Catalogue:
    specs: tuple[AdapterSpec, ...]

    def datasets_for(self, source_code: str) -> list[tuple[AdapterSpec, DatasetSpec]]:
        """The datasets a source accepts, the default (the first listed) first."""
        return [
            (spec, dataset)
            for spec in self.specs
            for dataset in spec.datasets
            if fnmatchcase(source_code, dataset.source)
        ]

    def dataset(self, source_code: str, name: str | None) -> tuple[AdapterSpec, DatasetSpec]:
        """The dataset `name` of a source, or its default one when `name` is None."""
        found = self.datasets_for(source_code)
        if not found:
            raise NoAdapter(f"no adapter spec feeds source {source_code!r}")
        if name is None:
            return found[0]
        for spec, dataset in found:
            if dataset.name == name:
                return spec, dataset
        known = ", ".join(d.name for _, d in found)
        raise UnknownDataset(f"source {source_code!r} has no dataset {name!r} (it has: {known})")


def load_catalogue(directory: Path = ADAPTER_DIR) -> Catalogue:
    """Load and check every `*.yaml` spec; SpecError names the first bad file and its problems."""
    specs = tuple(load_spec(path) for path in sorted(directory.glob("*.yaml")))
    names = [spec.name for spec in specs]
    if len(names) != len(set(names)):
        raise SpecError(directory, ["two specs have the same adapter name"])
    return Catalogue(specs)


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The specs under adapters/, loaded once per process."""
    return load_catalogue()
