"""`hub access`: ask the policy who may receive what, for review (explain, matrix)."""

import csv
import sys
from datetime import UTC, datetime

import typer
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.auth.principal import AuthenticatedPrincipal
from hub.authz import AccessRequest, Gate, load_authorizer
from hub.cli._run import with_engine
from hub.db import session_factory
from hub.models.enums import ObservationStatus, OrganisationKind, Purpose, Role
from hub.query.explain import AccessQuestion, ExplainError, access_matrix, explain_access
from hub.query.reader import Reader
from hub.settings import get_settings

app = typer.Typer(help="Ask the policies who may receive what.", no_args_is_help=True)

# The operator on the server asks as the hub itself; the questions name whom they are about.
_OPERATOR = AuthenticatedPrincipal(
    0, "operator", Role.HUB_ADMIN, 0, "hub", OrganisationKind.HUB, None, None, 0
)


def _reader(engine: AsyncEngine) -> Reader:
    today = datetime.now(UTC).date()
    request = AccessRequest(purpose=Purpose.IMPROVEMENT_SUPPORT.value, today=today)
    authorizer = load_authorizer(get_settings().policy_dir)
    return Reader(session_factory(engine), Gate(authorizer, _OPERATOR, request))


@app.command()
def explain(
    organisation: str = typer.Option(..., "--org", help="Organisation code, e.g. riep-north-east."),
    authority: str = typer.Option(..., "--authority", help="GSS or three-letter code."),
    purpose: Purpose = typer.Option(..., "--purpose"),
    source: str | None = typer.Option(None, "--source", help="Source code, e.g. ac-cpa."),
    theme: str | None = typer.Option(None, "--theme", help="Theme code, e.g. environment."),
    role: Role | None = typer.Option(None, "--role", help="Default: the organisation's usual one."),
    provisional: bool = typer.Option(False, "--provisional", help="Ask about provisional data."),
) -> None:
    """Would the organisation receive such a record, and why (or why not)."""
    status = ObservationStatus.PROVISIONAL if provisional else ObservationStatus.FINAL
    question = AccessQuestion(organisation, authority, purpose, source, theme, role, status)
    try:
        answer = with_engine(
            lambda engine: explain_access(_reader(engine), question, datetime.now(UTC).date())
        )
    except ExplainError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{'allowed' if answer.allowed else 'denied'} (as {answer.role.value})")
    for reason in answer.reasons:
        typer.echo(f"  {reason}")


@app.command()
def matrix(
    organisation: str = typer.Option(..., "--org", help="Organisation code, e.g. idea."),
    purpose: Purpose = typer.Option(..., "--purpose"),
    role: Role | None = typer.Option(None, "--role"),
    region: str | None = typer.Option(None, "--region", help="ONS region code, e.g. E12000001."),
) -> None:
    """Authorities x themes the organisation may receive, as CSV on stdout."""
    try:
        chosen, cells = with_engine(
            lambda engine: access_matrix(
                _reader(engine),
                organisation=organisation,
                purpose=purpose,
                today=datetime.now(UTC).date(),
                role=role,
                region=region,
            )
        )
    except ExplainError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    out = csv.writer(sys.stdout)
    out.writerow(["organisation", "role", "purpose", "authority", "theme", "allowed", "version_id"])
    for c in cells:
        out.writerow(
            [
                organisation,
                chosen.value,
                purpose.value,
                c.authority,
                c.theme,
                c.allowed,
                c.version_id or "",
            ]
        )
