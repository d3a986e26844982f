"""Hypothesis strategies for GraphQL documents and variables aimed at the hub's own schema.

Documents are built from the committed SDL (schema/hub.graphql): real fields of real types with
arguments that are sometimes of the right type and sometimes not, nested to random depths, with
fragments, variables and directives; then some are corrupted (cut short, spliced with garbage,
left with an unterminated string). Values include huge numbers, unicode and nulls.
"""

from pathlib import Path
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    build_schema,
    get_named_type,
)
from hypothesis import strategies as st

SDL = Path(__file__).resolve().parents[2] / "schema" / "hub.graphql"
SCHEMA = build_schema(SDL.read_text(encoding="utf-8"))

# Codes that exist in the demo world, so that some arguments reach the database for real.
KNOWN_STRINGS = [
    "E12000001",
    "E06000005",
    "E08000021",
    "DAL",
    "NET",
    "NI1",
    "NI192",
    "ac-cpa",
    "ac-caa",
    "ISA-NET",
    "hub",
    "idea",
    "riep-north-east",
    "audit-commission",
    "2008-Q3",
    "2008-09",
    "2009-01-01",
    "2009-01-01T00:00:00",
    "2009-01-01T00:00:00+01:00",
    "1",
    "0",
    "-1",
]
HUGE = [2**31, -(2**31) - 1, 2**63, 10**30, -(10**30), 1e308, -1e308, 5000, 5001, 0, -1]

names = st.from_regex(r"[_A-Za-z][_0-9A-Za-z]{0,12}", fullmatch=True)
weird_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
scalars = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from(HUGE),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    weird_text,
    st.sampled_from(KNOWN_STRINGS),
)
# JSON values for variables and bodies.
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(names, inner, max_size=4),
    max_leaves=12,
)


def _string_literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    escaped = escaped.replace("\r", "\\r")
    return '"' + "".join(c if c >= " " else f"\\u{ord(c):04x}" for c in escaped) + '"'


def literal(value: Any) -> str:
    """A Python value as a GraphQL literal."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, int) else f"{value:g}"
    if isinstance(value, str):
        return _string_literal(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {literal(v)}" for k, v in value.items()) + "}"
    return str(value)


@st.composite
def value_for(draw: st.DrawFn, type_: Any, depth: int = 0) -> str:
    """A literal for an input type: usually well typed, sometimes anything at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.one_of(scalars.map(literal), st.just("$" + draw(names)), names))
    if isinstance(type_, GraphQLNonNull):
        return draw(value_for(type_.of_type, depth))
    if isinstance(type_, GraphQLList):
        if depth > 2:
            return "[]"
        items = draw(st.lists(value_for(type_.of_type, depth + 1), max_size=3))
        return "[" + ", ".join(items) + "]"
    if isinstance(type_, GraphQLEnumType):
        return draw(st.sampled_from([*type_.values, "NOPE"]))
    if isinstance(type_, GraphQLInputObjectType):
        if depth > 2:
            return "{}"
        fields = draw(st.lists(st.sampled_from(sorted(type_.fields)), max_size=4, unique=True))
        parts = [f"{f}: {draw(value_for(type_.fields[f].type, depth + 1))}" for f in fields]
        return "{" + ", ".join(parts) + "}"
    assert isinstance(type_, GraphQLScalarType)
    if type_.name == "Int":
        return literal(draw(st.one_of(st.integers(-10, 6000), st.sampled_from(HUGE))))
    if type_.name == "Float":
        return literal(draw(st.floats(allow_nan=False, allow_infinity=False)))
    if type_.name == "Boolean":
        return literal(draw(st.booleans()))
    if type_.name == "JSON":
        return literal(draw(json_values))
    return literal(draw(st.one_of(st.sampled_from(KNOWN_STRINGS), weird_text)))


@st.composite
def selection_set(draw: st.DrawFn, type_: Any, depth: int) -> str:
    """`{ ... }` for an object type: real fields (with arguments), now and then a made-up one."""
    named = get_named_type(type_)
    if not isinstance(named, GraphQLObjectType):
        return ""
    fields = sorted(named.fields)
    chosen = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=3))
    parts = []
    for name in chosen:
        field = named.fields[name]
        text = name
        if draw(st.booleans()) and draw(st.integers(0, 4)) == 0:
            text = f"{draw(names)}: {name}"  # an alias
        args = list(field.args)
        if args:
            used = draw(st.lists(st.sampled_from(args), max_size=len(args), unique=True))
            required = [a for a in args if isinstance(field.args[a].type, GraphQLNonNull)]
            used = list(dict.fromkeys(required + used)) if draw(st.integers(0, 5)) else used
            rendered = [f"{a}: {draw(value_for(field.args[a].type))}" for a in used]
            if rendered:
                text += "(" + ", ".join(rendered) + ")"
        if draw(st.integers(0, 7)) == 0:
            text += draw(
                st.sampled_from(
                    [
                        " @skip(if: true)",
                        " @include(if: false)",
                        " @include(if: 3)",
                        " @nope",
                        " @skip",
                    ]
                )
            )
        inner = get_named_type(field.type)
        if isinstance(inner, GraphQLObjectType):
            if depth < 9 and draw(st.integers(0, 9)):
                text += " " + draw(selection_set(inner, depth + 1))
        elif draw(st.integers(0, 12)) == 0:
            text += " { " + draw(names) + " }"  # a selection on a leaf
        parts.append(text)
    if draw(st.integers(0, 9)) == 0:
        parts.append(draw(names))  # a field that does not exist
    if draw(st.integers(0, 12)) == 0:
        parts.append("__typename")
    return "{ " + " ".join(parts) + " }"


@st.composite
def operation(draw: st.DrawFn) -> str:
    """One well-formed-looking operation on the hub's schema (valid or not)."""
    root = draw(st.sampled_from(["query", "query", "mutation", "subscription", ""]))
    type_ = SCHEMA.mutation_type if root == "mutation" else SCHEMA.query_type
    body = draw(selection_set(type_, 1))
    if not root:
        return body
    name = draw(st.one_of(st.just(""), names))
    variables = ""
    if draw(st.integers(0, 3)) == 0:
        decls = draw(
            st.lists(
                st.tuples(
                    names,
                    st.sampled_from(
                        [
                            "Int",
                            "String!",
                            "[String!]",
                            "Date",
                            "ObservationFilter!",
                            "JSON",
                            "Nope",
                            "Purpose",
                            "ID!",
                        ]
                    ),
                ),
                min_size=1,
                max_size=3,
                unique_by=lambda t: t[0],
            )
        )
        variables = "(" + ", ".join(f"${n}: {t}" for n, t in decls) + ")"
    return f"{root} {name}{variables} {body}"


GARBAGE = [
    '"unterminated',
    '"""never closed',
    "{",
    "}",
    "(",
    "...",
    "... on Nope { x }",
    "$",
    "@",
    "\\u0000",
    "\x00",
    "\ufeff",
    "#comment",
    "fragment F on Query { me { name } }",
    "&",
    "|",
    "1e99999",
    "0x10",
    "💥",
    "\u202e",
    "query",
    ":",
    "!",
    "[",
    "]",
    "=",
    "\\",
    '"\\u12',
]


@st.composite
def documents(draw: st.DrawFn) -> str:
    """An operation, sometimes with fragments, sometimes corrupted, sometimes pure noise."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.text(max_size=200))
    document = draw(operation())
    if draw(st.integers(0, 4)) == 0:
        document += " " + draw(operation())  # two operations: needs an operationName
    if draw(st.integers(0, 6)) == 0:
        spread = draw(names)
        document = document.replace("{ ", "{ ..." + spread + " ", 1)
        document += f" fragment {spread} on Query {{ me {{ name }} ...{spread} }}"
    if kind <= 3:  # corrupt it
        for _ in range(draw(st.integers(1, 3))):
            position = draw(st.integers(0, len(document)))
            action = draw(st.integers(0, 2))
            if action == 0:
                document = document[:position]
            elif action == 1:
                document = (
                    document[:position] + draw(st.sampled_from(GARBAGE)) + document[position:]
                )
            else:
                end = draw(st.integers(position, len(document)))
                document = document[:position] + document[end:]
    return document
