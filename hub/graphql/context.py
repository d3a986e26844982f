"""What every resolver receives: the principal's reader, its loaders and the settings."""

from dataclasses import dataclass, field

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
