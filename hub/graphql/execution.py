"""GraphQL execution with a fast path for lists of scalars and enums.

graphql-core completes a list item by item through the general machinery (awaitable checks,
paths, type dispatch): about 10 µs an item, which dominated a region's series (thousands of
periods and values; see docs/performance.md). A list of leaf values needs only each item
coerced, so that is all the fast path does. Anything out of the ordinary (an item that is null
where the type forbids it, a value that does not coerce, @stream) goes the ordinary way, which
reports it exactly as before: the response is the same, only cheaper.

The same holds for a list of objects whose selected fields are all plain: strawberry fields
without a resolver (a read of an attribute), no arguments, no @defer, no middleware but the
pass-through tracing hook, and leaf, plain-object, list-of-leaf or list-of-plain-object
types; a resolver marked CONTEXT_ONLY counts as plain. The auditor's access records (500
records x dozens of touches, three fields each) spent 90 % of their time in graphql-core's
per-field machinery, and a region's 340 series (an indicator and three lists each) 20 %;
each such object now becomes its dict directly.
"""

from collections.abc import Callable
from inspect import isawaitable, iscoroutine
from math import isfinite
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLList,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    Undefined,
)
from graphql.pyutils import Path
from graphql.type import is_enum_type, is_list_type, is_non_null_type, is_scalar_type
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from hub.telemetry import GraphQLTracing

# Scalars whose coercion refuses anything but plain values (an awaitable included), so a value
# the fast path cannot take makes it step aside; a custom scalar might accept anything.
PLAIN_SCALARS = frozenset({"String", "Float", "Int", "Boolean", "ID", "Date", "DateTime"})


_Plan = Callable[[Any], list[Any]]


class Prebuilt:
    """A list field's value written as JSON already, exactly as GraphQL would complete it (see
    hub.query.series_json): it stays in the result as it is, and the response writer copies
    its text (hub.http.handler.json_bytes)."""

    __slots__ = ("json",)

    def __init__(self, json: str) -> None:
        self.json = json


class LeafListExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: Any,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        if type(result) is Prebuilt:  # written as JSON already (by the database)
            return result
        fast = self._leaf_list(return_type, field_details_list, path, result)
        if fast is not None:
            return fast
        objects = self._object_list(return_type, field_details_list, info, path, result)
        if objects is not None:
            return objects
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _leaf_list(
        self, return_type: GraphQLList[Any], field_details_list: Any, path: Path, result: Any
    ) -> list[Any] | None:
        """The completed list, or None where the ordinary path must decide."""
        if type(result) is not list:
            return None
        item_type = return_type.of_type
        non_null = is_non_null_type(item_type)
        coerce = _leaf_coercion(item_type.of_type if non_null else item_type)
        if coerce is None or self.get_stream_usage(field_details_list, path) is not None:
            return None
        try:
            return _leaves(coerce, non_null)(result)
        except Exception:  # the ordinary path reports the error where it belongs
            return None

    def _object_list(
        self,
        return_type: GraphQLList[Any],
        field_details_list: Any,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
    ) -> list[Any] | None:
        """The completed list of plain objects, or None where the ordinary path must decide."""
        if type(result) is not list or not self._plain_resolvers():
            return None
        if self.get_stream_usage(field_details_list, path) is not None:
            return None
        plan = self._list_plan(return_type, field_details_list)
        if plan is None:
            return None
        self._hub_info = _ContextInfo(info.context)  # see CONTEXT_ONLY
        try:
            return plan(result)
        except _NotPlain:
            return None
        except Exception:  # an attribute that raises: the ordinary path reports it
            return None

    def _plain_resolvers(self) -> bool:
        """Whether no middleware does anything for a field without a resolver."""
        known = getattr(self, "_hub_plain", None)
        if known is None:
            manager = self.middleware_manager
            middlewares = manager.middlewares if manager is not None else ()
            known = all(
                getattr(type(m), "resolve", None) in _PASS_THROUGH
                for m in middlewares or ()
                if isinstance(m, SchemaExtension)
            ) and all(isinstance(m, SchemaExtension) for m in middlewares or ())
            self._hub_plain = known
        return known

    def _list_plan(self, return_type: GraphQLList[Any], details: Any) -> _Plan | None:
        """How to complete a list of objects, or None where some field is not plain; kept per
        selection (graphql-core keeps its collected subfields by the same key)."""
        plans: dict[Any, _Plan | None] = self.__dict__.setdefault("_hub_plans", {})
        key = (return_type, id(details))
        if key in plans:
            return plans[key]
        plans[key] = plan = self._build_list_plan(return_type, details)
        # The list stays referenced by graphql-core's own memo, so its id is not reused.
        return plan

    def _build_list_plan(self, return_type: GraphQLList[Any], details: Any) -> _Plan | None:
        item_type = return_type.of_type
        non_null = is_non_null_type(item_type)
        item = item_type.of_type if non_null else item_type
        coerce = _leaf_coercion(item)
        if coerce is not None:  # a list of values inside an object, e.g. a series' values
            return _leaves(coerce, non_null)
        fields = self._object_fields(item, details)
        return None if fields is None else _objects(fields, non_null)

    def _object_fields(
        self, item: GraphQLOutputType, details: Any
    ) -> list[tuple[str, Callable[[Any], Any]]] | None:
        """How to complete each selected field of an object type, or None if one is not plain."""
        if not isinstance(item, GraphQLObjectType) or item.is_type_of is not None:
            return None
        grouped, new_defers, forbidden = self.collect_subfields(item, details)
        if new_defers or forbidden:
            return None
        fields: list[tuple[str, Callable[[Any], Any]]] = []
        for name, group in grouped.items():
            field = self._field_plan(item, group)
            if field is None:
                return None
            fields.append((name, field))
        return fields

    def _field_plan(self, parent: GraphQLObjectType, group: Any) -> Callable[[Any], Any] | None:
        """Completes one field of an object: read the attribute, coerce or recurse."""
        if any(
            d.defer_usage is not None
            or d.node.arguments
            or any(x.name.value not in ("skip", "include") for x in d.node.directives or ())
            for d in group
        ):  # arguments, @defer, @stream or a custom directive: the ordinary path
            return None
        name = group[0].node.name.value
        if name == "__typename":
            typename = parent.name
            return lambda _source: typename
        definition = parent.fields.get(name)
        if definition is None:
            return None
        if getattr(definition.resolve, "_is_default", False):
            read = _reader(definition)
        elif _context_only(definition):
            read = self._resolver(definition)
        else:
            return None
        field_type = definition.type
        non_null = is_non_null_type(field_type)
        inner = field_type.of_type if non_null else field_type
        if is_list_type(inner):
            nested = self._build_list_plan(inner, group)
            if nested is None:
                return None
            return _value(read, nested, non_null)
        if isinstance(inner, GraphQLObjectType):  # one plain object, e.g. a series' indicator
            fields = self._object_fields(inner, group)
            if fields is None:
                return None
            return _value(read, _object(fields), non_null)
        plain = is_enum_type(inner) or (is_scalar_type(inner) and inner.name in PLAIN_SCALARS)
        if not plain:
            return None
        if is_enum_type(inner):
            return _value(read, _coerced(_memo(inner.coerce_output_value)), non_null)
        return _value(read, _coerced(_exact(inner.name, inner.coerce_output_value)), non_null)

    def _resolver(self, definition: Any) -> Callable[[Any], Any]:
        """Calls a context-only resolver's own function, without strawberry's call layers,
        with the request's context as its info; an awaitable it returns (a row not read yet)
        sends the list the ordinary way."""
        resolver = definition.extensions["strawberry-definition"].base_resolver
        call, info = resolver.wrapped_func, resolver.info_parameter
        plain: set[type] = set()  # the types of values seen not to be awaitable

        def read(source: Any) -> Any:
            value = call(source, **{info.name: self._hub_info}) if info else call(source)
            if type(value) in plain:
                return value
            if isawaitable(value):
                if iscoroutine(value):
                    value.close()
                raise _NotPlain
            plain.add(type(value))
            return value

        return read


# Field metadata for a resolver the fast path may call: synchronous, taking no arguments but
# its source and perhaps its info (or only arguments with defaults: a field the query gives
# arguments goes the ordinary way), of which it reads nothing but `context`; returning the
# value or an awaitable of it (e.g. a row the request may already hold: Loaders.now).
CONTEXT_ONLY = {"hub_context_only": True}


class _ContextInfo:
    """What a context-only resolver receives as its info on the fast path."""

    __slots__ = ("context",)

    def __init__(self, context: Any) -> None:
        self.context = context


def _context_only(definition: Any) -> bool:
    field = (definition.extensions or {}).get("strawberry-definition")
    return (
        field is not None
        and bool(field.metadata.get("hub_context_only"))
        and field.base_resolver is not None
    )


class _NotPlain(Exception):
    """A value the fast path does not complete (a null in a non-null field, an awaitable...)."""


_PASS_THROUGH = frozenset({SchemaExtension.resolve, GraphQLTracing.resolve})


def _reader(definition: Any) -> Callable[[Any], Any]:
    """What the field's resolver does, without its call layers: strawberry's default resolver
    is getattr(source, python_name)."""
    field = (definition.extensions or {}).get("strawberry-definition")
    if field is not None and field.base_resolver is None and field.default_resolver is getattr:
        return attrgetter(field.python_name)
    resolve = definition.resolve
    return lambda source: resolve(source, None)


_INT_RANGE = range(-(2**31), 2**31)


def _exact(name: str, coerce: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The scalar's coercion, skipped for the values it returns unchanged (a str for String and
    ID, an int in range for Int, a finite float for Float, a bool for Boolean): most values,
    at a fraction of the cost."""
    if name in ("String", "ID"):
        return lambda value: value if type(value) is str else coerce(value)
    if name == "Int":
        return lambda value: value if type(value) is int and value in _INT_RANGE else coerce(value)
    if name == "Float":
        return lambda value: value if type(value) is float and isfinite(value) else coerce(value)
    if name == "Boolean":
        return lambda value: value if type(value) is bool else coerce(value)
    return coerce


def _coerced(coerce: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def complete(value: Any) -> Any:
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise _NotPlain
        return coerced

    return complete


def _value(
    read: Callable[..., Any], complete: Callable[[Any], Any], non_null: bool
) -> Callable[[Any], Any]:
    def field(source: Any) -> Any:
        value = read(source)
        if value is None:
            if non_null:
                raise _NotPlain
            return None
        return complete(value)

    return field


def _leaf_coercion(leaf: Any) -> Callable[[Any], Any] | None:
    """How to coerce each value of a list of `leaf`, or None if it is not a plain leaf."""
    if is_enum_type(leaf):  # few distinct values, each coerced once
        return _memo(leaf.coerce_output_value)
    if is_scalar_type(leaf) and leaf.name in PLAIN_SCALARS:
        return _exact(leaf.name, leaf.coerce_output_value)
    return None


def _leaves(coerce: Callable[[Any], Any], non_null: bool) -> _Plan:
    def complete(items: Any) -> list[Any]:
        if type(items) is not list:
            raise _NotPlain
        completed: list[Any] = []
        append = completed.append
        for value in items:
            if value is None:
                if non_null:
                    raise _NotPlain
                append(None)
                continue
            coerced = coerce(value)
            if coerced is None or coerced is Undefined:
                raise _NotPlain
            append(coerced)
        return completed

    return complete


def _objects(fields: list[tuple[str, Callable[[Any], Any]]], non_null: bool) -> _Plan:
    def complete(items: Any) -> list[Any]:
        if type(items) is not list:
            raise _NotPlain
        completed: list[Any] = []
        for source in items:
            if source is None:
                if non_null:
                    raise _NotPlain
                completed.append(None)
                continue
            completed.append({name: field(source) for name, field in fields})
        return completed

    return complete


def _object(fields: list[tuple[str, Callable[[Any], Any]]]) -> Callable[[Any], Any]:
    """Completes one plain object inside another, once per source object in the request: a
    panel's 2,720 observations share ten indicators. Plain fields depend on nothing but their
    source (and the request's context), so the same source completes the same; the source is
    kept with its result, so its id cannot be reused by another object meanwhile."""
    done: dict[int, tuple[Any, dict[str, Any]]] = {}

    def complete(source: Any) -> dict[str, Any]:
        seen = done.get(id(source))
        if seen is not None and seen[0] is source:
            return seen[1]
        completed = {name: field(source) for name, field in fields}
        done[id(source)] = (source, completed)
        return completed

    return complete


def _memo(coerce: Any) -> Any:
    seen: dict[Any, Any] = {}

    def coerced(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            seen[value] = found = coerce(value)
            return found
        except TypeError:  # unhashable: coerce as it is
            return coerce(value)

    return coerced
