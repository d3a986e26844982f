"""What every resolver receives: the principal's reader, its loaders and the settings."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

from hub.graphql.errors import bad_input
from hub.graphql.loaders import Loaders
from hub.query.pages import PageRequest, page_request
from hub.query.reader import Reader
from hub.settings import Settings


@dataclass
class Context:
    reader: Reader
    settings: Settings
    loaders: Loaders = field(init=False)
    # what a function made of a field's selection, by the field's syntax node (see `once`)
    _seen: dict[tuple[int, Any], tuple[Any, Any]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.reader)

    def page(self, kind: str, first: int | None, after: str | None) -> PageRequest:
        """Validated paging arguments, or a BAD_USER_INPUT error saying what is wrong."""
        try:
            return page_request(
                first,
                after,
                kind=kind,
                default=self.settings.default_page_size,
                maximum=self.settings.max_page_size,
            )
        except ValueError as error:
            raise bad_input(str(error)) from error


HubInfo = Info[Context, None]
T = TypeVar("T")


def once(info: Info, of_selection: Callable[[SelectedField], T | None]) -> T | None:
    """`of_selection` of the field being resolved, made once per request for each place in the
    query: a region's 34 authorities resolve the same `series` field, and strawberry builds
    `selected_fields` anew on every call. The result must depend on the selection's syntax
    alone (no variables), as a written path's shape does. None, without asking, for a field
    asked more than once in the same place: GraphQL answers the copies' selections merged,
    and a shape made of one copy would leave out (or not read the columns of) the others."""
    nodes = info._raw_info.field_nodes
    if len(nodes) > 1:
        return None
    key = (id(nodes[0]), of_selection)
    seen = info.context._seen.get(key)
    if seen is not None and seen[0] is nodes[0]:  # the node is kept: its id is not reused
        return seen[1]
    made = of_selection(info.selected_fields[0])  # type: ignore[arg-type]
    info.context._seen[key] = (nodes[0], made)
    return made


def selects(info: Info, *path: str) -> bool:
    """Whether the field being resolved selects `path` (e.g. "nodes", "authority"), looking
    through fragments; worth knowing before reading rows that only such a selection needs."""
    level: list[Selection] = list(info.selected_fields)
    for name in path:
        nested: list[Selection] = []
        for selection in _fields(level):
            nested += [s for s in selection.selections if _named(s, name)]
        if not nested:
            return False
        level = nested
    return True


def selects_bare(info: Info, *path: str) -> bool:
    """Whether the field being resolved selects `path` (e.g. "nodes", "assessments"), its last
    field each time without arguments."""
    level = _fields(list(info.selected_fields))
    for name in path:
        level = [
            nested
            for selection in level
            for nested in _fields(list(selection.selections))
            if isinstance(nested, SelectedField) and nested.name == name
        ]
    return bool(level) and not any(s.arguments for s in level if isinstance(s, SelectedField))


def _fields(selections: list[Selection]) -> list[Selection]:
    """The selections with fragments replaced by what they select."""
    found: list[Selection] = []
    for selection in selections:
        if isinstance(selection, SelectedField):
            found.append(selection)
        else:
            found += _fields(list(selection.selections))
    return found


def _named(selection: Selection, name: str) -> bool:
    if isinstance(selection, SelectedField):
        return selection.name == name
    return any(_named(s, name) for s in selection.selections)
