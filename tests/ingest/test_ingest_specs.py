"""The contract of adapters/: every spec is valid, and every dataset has a sample that applies.

Also the spec checker itself: a broken spec is refused with every mistake named.
"""

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.ingest.catalogue import (
    ADAPTER_DIR,
    NoAdapter,
    UnknownDataset,
    default_catalogue,
    load_catalogue,
)
from hub.ingest.periods import PeriodKind, parse_period
from hub.ingest.spec import SpecError
from hub.ingest.spec_reader import load_spec, parse_spec

SAMPLES = Path(__file__).parent / "samples"
SPEC_FILES = sorted(ADAPTER_DIR.glob("*.yaml"))


def test_there_are_specs_for_every_kind_of_source_system() -> None:
    names = {path.stem for path in SPEC_FILES}
    assert {"audit-commission", "ofsted", "cqc", "government-offices"} <= names


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.stem)
def test_every_spec_is_valid(path: Path) -> None:
    spec = load_spec(path)
    assert spec.name == path.stem
    assert {"csv", "json"} <= {f.value for f in spec.formats}
    for dataset in spec.datasets:
        assert dataset.description, f"{dataset.name} says what it carries"


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.stem)
def test_every_dataset_has_a_sample(path: Path) -> None:
    for dataset in load_spec(path).datasets:
        found = list(SAMPLES.glob(f"*.{dataset.name}.*"))
        assert found, f"no sample tests/ingest/samples/<source>.{dataset.name}.<format>"


def test_the_catalogue_finds_datasets_by_source_and_name() -> None:
    catalogue = default_catalogue()
    assert catalogue.dataset("go-london-laa", None)[1].name == "laa-indicators"
    assert catalogue.dataset("go-london-laa", "improvement-notices")[1].record == "flag"
    assert catalogue.dataset("ac-caa", None)[1].name == "organisational-assessment"
    with pytest.raises(NoAdapter):
        catalogue.dataset("no-adapter", None)
    with pytest.raises(UnknownDataset, match="it has: laa-indicators, improvement-notices"):
        catalogue.dataset("go-london-laa", "cpa")


def _spec(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "adapter": "test",
        "title": "Test",
        "organisation": "test",
        "formats": ["csv"],
        "datasets": [
            {
                "name": "values",
                "source": "test-source",
                "record": "observation",
                "description": "test",
                "fields": [
                    {"column": "authority", "to": "authority", "type": "authority"},
                    {"column": "indicator", "to": "indicator", "type": "indicator"},
                    {"column": "period", "to": "period", "type": "period", "periods": ["year"]},
                    {"column": "value", "to": "value", "type": "number"},
                ],
                "constants": {"status": "final"},
            }
        ],
    }
    data.update(overrides)
    return data


def test_a_minimal_spec_parses() -> None:
    spec = parse_spec(_spec(), Path("test.yaml"))
    assert spec.datasets[0].constants == {"status": "final"}


def test_a_broken_spec_is_refused_with_every_mistake(tmp_path: Path) -> None:
    data = _spec(formats=["csv", "xml"])
    dataset = data["datasets"][0]
    dataset["record"] = "assessment"
    dataset["fields"][3] = {"column": "stars", "to": "score", "type": "number", "min": 5, "max": 1}
    dataset["fields"].append({"column": "colour", "to": "kind", "type": "code"})
    dataset["constants"] = {"framework": "gcse", "status": "final"}
    dataset["surprise"] = True

    with pytest.raises(SpecError) as refused:
        parse_spec(data, tmp_path / "broken.yaml")

    problems = "\n".join(refused.value.problems)
    assert "'xml' is not one of csv, json, ndjson" in problems
    assert "unknown key 'surprise'" in problems
    assert "a assessment has no 'indicator'" in problems
    assert "'score' takes a field of type code, integer, not number" in problems
    assert "min is greater than max" in problems
    assert "a code field names its 'code_list'" in problems
    assert "'gcse' is not a framework of the hub" in problems
    assert "nothing fills 'published_on'" in problems


def test_an_unreadable_spec_names_its_file(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("adapter: [unclosed\n")
    with pytest.raises(SpecError, match=r"bad\.yaml: cannot be read as YAML"):
        load_catalogue(tmp_path)


def test_two_specs_may_not_share_a_name(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(_spec()))
    with pytest.raises(SpecError, match="same adapter name"):
        load_catalogue(tmp_path)


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("2008-Q3", "2008-Q3", date(2008, 7, 1), date(2008, 9, 30)),
        ("2008 q4", "2008-Q4", date(2008, 10, 1), date(2008, 12, 31)),
        ("2008-09", "2008-09", date(2008, 4, 1), date(2009, 3, 31)),
        ("2008/2009", "2008-09", date(2008, 4, 1), date(2009, 3, 31)),
        ("1999-00", "1999-00", date(1999, 4, 1), date(2000, 3, 31)),
        ("2008", "2008", date(2008, 1, 1), date(2008, 12, 31)),
    ],
)
def test_periods(text: str, label: str, start: date, end: date) -> None:
    kinds = (PeriodKind.QUARTER, PeriodKind.FINANCIAL_YEAR, PeriodKind.YEAR)
    period = parse_period(text, kinds)
    assert (period.label, period.start, period.end) == (label, start, end)


@pytest.mark.parametrize("text", ["2008-10", "2008-Q5", "Q3 2008", "1850", "soon"])
def test_periods_that_are_not(text: str) -> None:
    with pytest.raises(ValueError, match=r"expected|outside|does not follow"):
        parse_period(text, (PeriodKind.QUARTER, PeriodKind.FINANCIAL_YEAR, PeriodKind.YEAR))
