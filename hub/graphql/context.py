"""What every resolver receives: the principal's reader, its loaders and the settings."""

from dataclasses import dataclass, field

from strawberry.types import Info

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
