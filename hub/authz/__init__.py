"""The policy engine: the only module that imports oso.

Policies in policies/*.polar decide; this module asks them and turns each answer into a SQL
condition, so lists are filtered by the database in the statement that fetches them.
"""

from enum import StrEnum
from pathlib import Path

from oso import Oso
from sqlalchemy import ColumnElement, false, true

from hub.auth.principal import AuthenticatedPrincipal

POLICY_DIR = Path(__file__).resolve().parents[2] / "policies"


class Action(StrEnum):
    READ = "read"


class Kind(StrEnum):
    """Kinds of record a policy speaks of."""

    REFERENCE = "reference"
    OBSERVATION = "observation"
    ASSESSMENT = "assessment"
    FLAG = "flag"


class Authorizer:
    """Loads the policies once; answers are computed per request, so nothing goes stale."""

    def __init__(self, policy_dir: Path = POLICY_DIR) -> None:
        self._oso = Oso()
        self._oso.register_class(AuthenticatedPrincipal)  # type: ignore[no-untyped-call]
        files: list[Path | str] = sorted(policy_dir.glob("*.polar"))
        if not files:
            raise RuntimeError(f"no policies found in {policy_dir}")
        self._oso.load_files(files)

    def allows(self, principal: AuthenticatedPrincipal, action: Action, kind: Kind) -> bool:
        return bool(self._oso.is_allowed(principal, str(action), str(kind)))

    def row_filter(
        self, principal: AuthenticatedPrincipal, action: Action, kind: Kind
    ) -> ColumnElement[bool]:
        """The SQL condition a row of `kind` must meet for `principal` to receive it."""
        return true() if self.allows(principal, action, kind) else false()
