"""The rules file is a contract: signals/rules.yaml loads, and the loader refuses bad rules."""

from typing import Any

import pytest

from hub.models.alerts import Severity
from hub.signals.kinds import KINDS
from hub.signals.rules import RuleError, load_rules, parse_rules

GOOD = {
    "code": "red",
    "title": "Red flag",
    "severity": "high",
    "kind": "flag_raised",
    "parameters": {"flag_kind": "caa_red"},
}


def test_the_rules_file_loads_and_covers_every_kind() -> None:
    rules = load_rules()
    assert {r.kind for r in rules} == set(KINDS)
    assert len({r.code for r in rules}) == len(rules) >= 10
    assert all(isinstance(r.severity, Severity) for r in rules)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "crystal_ball"}, "unknown kind"),
        ({"severity": "dire"}, "severity must be one of"),
        ({"code": "Bad Code"}, "code must be"),
        ({"title": ""}, "title must be"),
        ({"parameters": {}}, "missing ['flag_kind']"),
        ({"parameters": {"flag_kind": "caa_red", "extra": 1}}, "unknown parameters ['extra']"),
        ({"parameters": {"flag_kind": "purple"}}, "not among"),
        ({"colour": "red"}, "unknown keys ['colour']"),
        (
            {"kind": "indicator_worsening", "parameters": {"periods": "three"}},
            "periods must be int",
        ),
        ({"kind": "indicator_worsening", "parameters": {"periods": 0}}, "between"),
        (
            {
                "kind": "assessment_value",
                "parameters": {"frameworks": ["cpa"], "field": "score", "values": ["1"]},
            },
            "field",
        ),
    ],
)
def test_bad_rules_are_refused_with_the_reason(change: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleError, match="rule") as error:
        parse_rules({"rules": [{**GOOD, **change}]}, KINDS)
    assert message in str(error.value)


def test_a_code_used_twice_is_refused() -> None:
    with pytest.raises(RuleError, match="used twice"):
        parse_rules({"rules": [GOOD, GOOD]}, KINDS)


def test_a_document_without_rules_is_refused() -> None:
    with pytest.raises(RuleError, match="list under 'rules'"):
        parse_rules({"rule": []}, KINDS)
