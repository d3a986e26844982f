"""The actions the code asks about and the actions the policies speak of are the same set."""

import re
from pathlib import Path

from hub.authz import DEFAULT_POLICY_DIR, Action, Kind, load_authorizer

RULE_HEAD = re.compile(r'^\s*allow(?:_row|_field)?\(\s*[^,]+,\s*"([a-z_]+)"', re.MULTILINE)
ROW_CLASS = re.compile(r"^\s*allow_row\([^)]*?\b\w+:\s*(\w+),\s*_?\w+:\s*Grant\)", re.MULTILINE)


def _policy_text() -> str:
    return "\n".join(p.read_text() for p in sorted(Path(DEFAULT_POLICY_DIR).glob("*.polar")))


def test_every_action_in_the_code_has_a_rule_and_every_rule_an_action() -> None:
    in_policies = set(RULE_HEAD.findall(_policy_text()))
    assert in_policies == {a.value for a in Action}


def test_every_kind_of_row_has_a_rule() -> None:
    named = set(ROW_CLASS.findall(_policy_text()))
    # A PerformanceRecord rule covers observations, assessments and flags.
    performance = {Kind.OBSERVATION, Kind.ASSESSMENT, Kind.FLAG}
    covered = {
        k.value
        for k in Kind
        if k.value in named or (k in performance and "PerformanceRecord" in named)
    }
    assert covered == {k.value for k in Kind}


def test_the_policies_load() -> None:
    load_authorizer()
