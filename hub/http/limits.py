"""Limits on GraphQL documents, checked before validation and execution.

`limits_extension(settings)` is the schema extension that applies them. Each refusal is a
GraphQL error with its own `extensions.code`; the handler answers it as a request error (HTTP 400
with `application/graphql-response+json`, no `data`) and marks the access record "limited".

- tokens (TOO_MANY_TOKENS): lexical tokens, and comments, counted by the parser as it reads;
- depth (QUERY_TOO_DEEP): nesting of fields, `{ a { b } }` is 2; introspection fields (`__schema`,
  `__type`) are not counted, since introspection is off in production;
- aliases (TOO_MANY_ALIASES) and directives (TOO_MANY_DIRECTIVES): counted over the whole
  document;
- cost (QUERY_TOO_COSTLY): an estimate of the rows an operation may fetch. A field that takes a
  `first` argument (a connection) costs `first` (the default page size when none is given) times
  1 plus the cost of its selection, so connections nested in connections multiply; any other
  field costs what its selection costs (scalars 0; plain lists such as `region.authorities` count
  once, not per element). Variables are resolved, so `first: $n` costs what `$n` says. With the
  defaults one full page (`first: 5000`) passes and nested pages are bounded.

A field whose SQL statement the database stopped (HUB_DB_STATEMENT_TIMEOUT_MS, see hub.db)
answers TIMEOUT with its path, like the operation's own timeout: an execution error (HTTP 200),
and the access record is marked "limited" too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, cast

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_interface_type,
    is_object_type,
    visit,
)
from graphql.language import Visitor
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, SchemaExtension

from hub.db import is_statement_timeout
from hub.settings import Settings

LIMIT_CODES = frozenset(
    {
        "TOO_MANY_TOKENS",
        "QUERY_TOO_DEEP",
        "TOO_MANY_ALIASES",
        "TOO_MANY_DIRECTIVES",
        "QUERY_TOO_COSTLY",
        "PAYLOAD_TOO_LARGE",
        "RATE_LIMITED",
        "TIMEOUT",
        "UNTRUSTED_DOCUMENT",
    }
)


@dataclass
class RequestState:
    """What the handler and the extension share about one request."""

    operation_name_given: bool
    executing: bool = False  # execution (which coerces the variables) has begun


REQUEST: ContextVar[RequestState | None] = ContextVar("hub_graphql_request", default=None)


def limit_error(code: str, message: str, **details: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **details})


@dataclass
class _Walk:
    """Depth and cost of an operation, following fragments (each once per path)."""

    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    default_page: int
    max_page: int  # a larger `first` is refused by the resolver itself (BAD_USER_INPUT)

    def selection(
        self, node: SelectionSetNode | None, parent: GraphQLNamedType | None, seen: frozenset[str]
    ) -> tuple[int, int]:
        depth = cost = 0
        for item in node.selections if node else ():
            if isinstance(item, FieldNode):
                d, c = self.field(item, parent, seen)
            elif isinstance(item, InlineFragmentNode):
                typed = item.type_condition
                inner = self.schema.get_type(typed.name.value) if typed else parent
                d, c = self.selection(item.selection_set, inner, seen)
            elif isinstance(item, FragmentSpreadNode):
                name = item.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                inner = self.schema.get_type(fragment.type_condition.name.value)
                d, c = self.selection(fragment.selection_set, inner, seen | {name})
            else:  # pragma: no cover - no other selection kinds exist
                continue
            depth, cost = max(depth, d), cost + c
        return depth, cost

    def field(
        self, node: FieldNode, parent: GraphQLNamedType | None, seen: frozenset[str]
    ) -> tuple[int, int]:
        if node.name.value.startswith("__"):
            return 0, 0
        definition = None
        if parent is not None and (is_object_type(parent) or is_interface_type(parent)):
            definition = parent.fields.get(node.name.value)
        inner = get_named_type(definition.type) if definition is not None else None
        depth, cost = self.selection(node.selection_set, inner, seen)
        if definition is not None and "first" in definition.args:
            cost = min(self.first(node), self.max_page) * (1 + cost)
        return depth + 1, cost

    def first(self, node: FieldNode) -> int:
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(int(value.value), 0)
            if isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                if isinstance(given, int) and not isinstance(given, bool):
                    return max(given, 0)
        return self.default_page


class _Counter(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.aliases = 0
        self.directives = 0

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if node.alias is not None:
            self.aliases += 1

    def enter_directive(self, _node: DirectiveNode, *_: Any) -> None:
        self.directives += 1


def check_document(
    document: DocumentNode,
    schema: GraphQLSchema,
    settings: Settings,
    variables: Mapping[str, Any] | None = None,
) -> GraphQLError | None:
    """The first limit `document` exceeds, as a GraphQL error, or None."""
    counter = _Counter()
    visit(document, counter)
    if counter.aliases > settings.graphql_max_aliases:
        return limit_error(
            "TOO_MANY_ALIASES",
            f"the document has {counter.aliases} aliases; at most "
            f"{settings.graphql_max_aliases} are allowed",
            limit=settings.graphql_max_aliases,
        )
    if counter.directives > settings.graphql_max_directives:
        return limit_error(
            "TOO_MANY_DIRECTIVES",
            f"the document has {counter.directives} directives; at most "
            f"{settings.graphql_max_directives} are allowed",
            limit=settings.graphql_max_directives,
        )
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    walk = _Walk(
        schema, fragments, variables or {}, settings.default_page_size, settings.max_page_size
    )
    for operation in document.definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        root = schema.get_root_type(operation.operation)
        depth, cost = walk.selection(operation.selection_set, root, frozenset())
        if depth > settings.graphql_max_depth:
            return limit_error(
                "QUERY_TOO_DEEP",
                f"the operation nests fields {depth} deep; at most "
                f"{settings.graphql_max_depth} are allowed",
                limit=settings.graphql_max_depth,
            )
        if cost > settings.graphql_max_cost:
            return limit_error(
                "QUERY_TOO_COSTLY",
                f"the operation's estimated cost is {cost}; at most {settings.graphql_max_cost} "
                "is allowed: ask for smaller pages (`first`) or fewer fields",
                limit=settings.graphql_max_cost,
                cost=cost,
            )
    return None


# Documents already found valid, per app: at most this many are remembered.
MAX_VALIDATED = 2048


class DocumentLimits(SchemaExtension):
    """Applies the limits of `settings` (a subclass per app sets it: see `limits_extension`),
    and skips graphql-core's parsing and validation of a document text this app has parsed, or
    found valid, before: both depend only on the text (and the schema's rules), and cost a
    small request 1-2 ms every time (a dashboard sends the same few documents over and over).
    graphql-core does not change a parsed document, so one can serve many requests."""

    settings: Settings
    validated: set[tuple[str, tuple[Any, ...]]]
    parsed: dict[str, DocumentNode]  # texts parsed within the limits before: not parsed again

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        options = cast(dict[str, Any], context.parse_options)
        options["max_lexical_tokens"] = self.settings.graphql_max_tokens
        options["max_comments"] = self.settings.graphql_max_tokens
        text = context.query if isinstance(context.query, str) and context.query else None
        known = self.parsed.get(text) if text else None
        if known is not None:
            context.graphql_document = known  # strawberry parses only a missing document
        yield
        if text and known is None and context.graphql_document is not None:
            if len(self.parsed) >= MAX_VALIDATED:
                self.parsed.clear()
            self.parsed[text] = context.graphql_document
        for error in self.execution_context.pre_execution_errors or ():
            message = error.message
            if "Parsing aborted" in message and ("tokens" in message or "comments" in message):
                error.extensions = {"code": "TOO_MANY_TOKENS"}
                error.message = (
                    f"the document has more than {self.settings.graphql_max_tokens} tokens "
                    "or comments; parsing stopped"
                )

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        state = REQUEST.get()
        document = context.graphql_document
        if (
            document is not None
            and state is not None
            and not state.operation_name_given
            and sum(isinstance(d, OperationDefinitionNode) for d in document.definitions) > 1
        ):  # strawberry would run the first one; the GraphQL spec says this is an error
            context.pre_execution_errors = [
                GraphQLError(
                    "the document has several operations: say which to run as `operationName`",
                    extensions={"code": "BAD_REQUEST"},
                )
            ]
        if context.graphql_document is not None and context.pre_execution_errors is None:
            error = check_document(
                context.graphql_document,
                context.schema._schema,
                self.settings,
                context.variables,
            )
            if error is not None:  # validation is skipped and the operation refused
                context.pre_execution_errors = [error]
        text = context.query if isinstance(context.query, str) and context.query else None
        known = (text or "", tuple(context.validation_rules))
        if text and context.pre_execution_errors is None and known in self.validated:
            context.pre_execution_errors = []  # valid before: strawberry does not validate
        yield
        if text and context.graphql_document is not None and context.pre_execution_errors == []:
            if len(self.validated) >= MAX_VALIDATED:
                self.validated.clear()
            self.validated.add(known)

    def on_execute(self) -> Iterator[None]:
        if (state := REQUEST.get()) is not None:
            state.executing = True
        yield
        result = self.execution_context.result
        if result is not None and isinstance(result.errors, list):
            # in place: the same list is the context's pre_execution_errors
            result.errors[:] = [self.statement_timeout(e) for e in result.errors]

    def statement_timeout(self, error: GraphQLError) -> GraphQLError:
        """A field whose SQL statement the database stopped (HUB_DB_STATEMENT_TIMEOUT_MS)
        answers TIMEOUT, not an internal error: the request ran into a limit."""
        if not is_statement_timeout(error.original_error):
            return error
        limit = self.settings.db_statement_timeout_ms
        return GraphQLError(
            f"a database statement took longer than {limit} ms and was stopped",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "TIMEOUT", "limit": limit},
        )


def limits_extension(settings: Settings) -> type[SchemaExtension]:
    """The limits extension for an app with `settings` (a class: one instance per request)."""
    memos: dict[str, Any] = {"validated": set(), "parsed": {}}
    return type("HubDocumentLimits", (DocumentLimits,), {"settings": settings, **memos})


class NoIntrospection(AddValidationRules):
    """Introspection off (production mode)."""

    def __init__(self) -> None:
        super().__init__([NoSchemaIntrospectionCustomRule])
