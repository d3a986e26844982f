"""Reads and validates signals/rules.yaml: the declarative early-warning rules.

A rule names a kind (an evaluator in hub.signals.kinds) and the parameters that kind reads;
anything unknown, missing or of the wrong type is refused with the rule and field named.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from hub.models.alerts import Severity

if TYPE_CHECKING:
    from hub.signals.kinds import RuleKind

DEFAULT_RULES = Path(__file__).resolve().parents[2] / "signals" / "rules.yaml"
_CODE = re.compile(r"[a-z][a-z0-9-]{1,63}")


class RuleError(ValueError):
    """The rules file is not valid; the message says which rule and what is wrong."""


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    title: str
    severity: Severity
    kind: str
    parameters: Mapping[str, Any]

    def param(self, name: str) -> Any:
        return self.parameters[name]


def _check_parameters(where: str, given: Any, expected: Mapping[str, type]) -> dict[str, Any]:
    if not isinstance(given, dict):
        raise RuleError(f"{where}: parameters must be a mapping")
    unknown = sorted(set(given) - set(expected))
    missing = sorted(set(expected) - set(given))
    if unknown or missing:
        raise RuleError(f"{where}: unknown parameters {unknown}, missing {missing}")
    for name, kind in expected.items():
        value = given[name]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if kind is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if kind is list:
            ok = isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)
        if not ok:
            raise RuleError(f"{where}: parameter {name} must be {kind.__name__}, not {value!r}")
    return dict(given)


def parse_rules(document: Any, kinds: Mapping[str, RuleKind]) -> tuple[Rule, ...]:
    """The rules of a parsed YAML document, checked against the evaluators' `kinds`."""
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        raise RuleError("the rules file must be a mapping with a list under 'rules'")
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, raw in enumerate(document["rules"]):
        where = f"rule {index + 1}"
        if not isinstance(raw, dict):
            raise RuleError(f"{where}: must be a mapping")
        raw = dict[str, Any](raw)
        extra = sorted(set(raw) - {"code", "title", "severity", "kind", "parameters"})
        if extra:
            raise RuleError(f"{where}: unknown keys {extra}")
        code = raw.get("code")
        if not isinstance(code, str) or not _CODE.fullmatch(code):
            raise RuleError(f"{where}: code must be lower-case letters, digits and hyphens")
        where = f"rule {code}"
        if code in seen:
            raise RuleError(f"{where}: code used twice")
        seen.add(code)
        title = raw.get("title")
        if not isinstance(title, str) or not title.strip() or len(title) > 255:
            raise RuleError(f"{where}: title must be a non-empty text of at most 255 characters")
        try:
            severity = Severity(str(raw.get("severity")))
        except ValueError:
            known = ", ".join(s.value for s in Severity)
            raise RuleError(f"{where}: severity must be one of {known}") from None
        kind = str(raw.get("kind"))
        if kind not in kinds:
            raise RuleError(f"{where}: unknown kind {kind!r}; known: {', '.join(sorted(kinds))}")
        parameters = _check_parameters(where, raw.get("parameters", {}), kinds[kind].parameters)
        if (problem := kinds[kind].check(parameters)) is not None:
            raise RuleError(f"{where}: {problem}")
        rules.append(Rule(code, title.strip(), severity, kind, parameters))
    return tuple(rules)


def load_rules(path: Path | None = None) -> tuple[Rule, ...]:
    """The validated rules of `path` (default: signals/rules.yaml)."""
    from hub.signals.kinds import KINDS  # imported here: the kinds import Rule from this module

    source = path or DEFAULT_RULES
    try:
        document = yaml.safe_load(source.read_text())
    except yaml.YAMLError as error:
        raise RuleError(f"{source}: not valid YAML: {error}") from None
    return parse_rules(document, KINDS)
