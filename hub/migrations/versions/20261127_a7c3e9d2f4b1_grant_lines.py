"""grant_line: every agreement version's lines, kept by triggers

Revision ID: a7c3e9d2f4b1
Revises: f1c2d3e4a5b6
Create Date: 2026-11-27 09:40:00.000000

Every policy-filtered statement read the caller's grant lines as a six-way join of the
agreement tables (for the IDeA 4,674 lines, about 9 ms of each statement on PostgreSQL).
`grant_line` holds that join, one row per version x recipient x purpose x coverage line, and
triggers keep it equal to the join on any insert, update or delete of the tables it comes from,
whoever writes them (the services, the demo's bulk load, an operator with psql). What a line
grants is still decided by the policies; the table only saves rebuilding the lines.

For later migrations: rebuilding one of these six tables on SQLite (Alembic's batch mode
copies it to a new table) drops its triggers with it, so such a migration must create them
again; tests/authz/test_grant_lines.py fails when one is missing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7c3e9d2f4b1"
down_revision: str | None = "f1c2d3e4a5b6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each column of a line, and where the join takes it from.
_LINE = {
    "coverage_id": "c.id",
    "recipient_id": "r.organisation_id",
    "purpose": "p.purpose",
    "version_id": "v.id",
    "agreement_id": "v.agreement_id",
    "version": "v.version",
    "is_current": "v.is_current",
    "state": "v.state",
    "effective_from": "v.effective_from",
    "effective_to": "v.effective_to",
    "review_date": "v.review_date",
    "include_provisional": "v.include_provisional",
    "allow_aggregates": "v.allow_aggregates",
    "authority_id": "a.authority_id",
    "authority_region_id": "au.region_id",
    "source_id": "c.source_id",
    "theme_code": "c.theme_code",
}
_JOIN = (
    "agreement_version v JOIN agreement a ON a.id = v.agreement_id"
    " JOIN authority au ON au.id = a.authority_id"
    " JOIN agreement_recipient r ON r.version_id = v.id"
    " JOIN agreement_purpose p ON p.version_id = v.id"
    " JOIN agreement_coverage c ON c.version_id = v.id"
)
_VERSION_TERMS = [c for c, source in _LINE.items() if source.startswith("v.") and c != "version_id"]


def _insert(where: str) -> str:
    columns, sources = ", ".join(_LINE), ", ".join(_LINE.values())
    return f"INSERT INTO grant_line ({columns}) SELECT {sources} FROM {_JOIN} WHERE {where}"  # noqa: S608


def _delete(where: str) -> str:
    return f"DELETE FROM grant_line WHERE {where}"  # noqa: S608


# A child row adds the lines it completes (the join filtered to it) and takes away its own.
_CHILDREN = {
    "agreement_recipient": (
        "r.version_id = NEW.version_id AND r.organisation_id = NEW.organisation_id",
        "version_id = OLD.version_id AND recipient_id = OLD.organisation_id",
    ),
    "agreement_purpose": (
        "p.version_id = NEW.version_id AND p.purpose = NEW.purpose",
        "version_id = OLD.version_id AND purpose = OLD.purpose",
    ),
    "agreement_coverage": ("c.id = NEW.id", "coverage_id = OLD.id"),
}

# A parent row's change is copied onto its lines; its removal takes them away.
_PARENTS = {
    "agreement_version": (
        "version_id = NEW.id, "  # noqa: S608 (no input: the names above)
        + ", ".join(f"{c} = NEW.{c}" for c in _VERSION_TERMS)
        + ", authority_id = (SELECT authority_id FROM agreement WHERE id = NEW.agreement_id)"
        ", authority_region_id = (SELECT au.region_id FROM agreement a"
        " JOIN authority au ON au.id = a.authority_id WHERE a.id = NEW.agreement_id)",
        "version_id = OLD.id",
    ),
    "agreement": (
        "agreement_id = NEW.id, authority_id = NEW.authority_id, authority_region_id ="
        " (SELECT region_id FROM authority WHERE id = NEW.authority_id)",
        "agreement_id = OLD.id",
    ),
    "authority": (
        "authority_id = NEW.id, authority_region_id = NEW.region_id",
        "authority_id = OLD.id",
    ),
}


def _triggers() -> list[tuple[str, str, str, list[str]]]:
    """(name, table, event, statements) of every trigger that keeps the lines."""
    found = []
    for table, (added, removed) in _CHILDREN.items():
        found += [
            (f"grant_line_{table}_insert", table, "INSERT", [_insert(added)]),
            (f"grant_line_{table}_update", table, "UPDATE", [_delete(removed), _insert(added)]),
            (f"grant_line_{table}_delete", table, "DELETE", [_delete(removed)]),
        ]
    for table, (changes, lines) in _PARENTS.items():
        update = f"UPDATE grant_line SET {changes} WHERE {lines}"  # noqa: S608
        found += [
            (f"grant_line_{table}_update", table, "UPDATE", [update]),
            (f"grant_line_{table}_delete", table, "DELETE", [_delete(lines)]),
        ]
    return found


def _create_trigger(name: str, table: str, event: str, statements: list[str]) -> None:
    body = "".join(f"{s}; " for s in statements)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {body}RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()"
        )
    else:
        op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW BEGIN {body}END")


def _drop_trigger(name: str, table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {name} ON {table}")
        op.execute(f"DROP FUNCTION {name}()")
    else:
        op.execute(f"DROP TRIGGER {name}")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "grant_line",
        sa.Column("coverage_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column(
            "purpose",
            _enum("purpose", "improvement_support", "early_warning", "benchmarking", "research"),
            nullable=False,
        ),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column(
            "state",
            _enum("agreementstate", "draft", "active", "suspended", "withdrawn", "expired"),
            nullable=False,
        ),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("review_date", sa.Date(), nullable=True),
        sa.Column("include_provisional", sa.Boolean(), nullable=False),
        sa.Column("allow_aggregates", sa.Boolean(), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=False),
        sa.Column("authority_region_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("theme_code", sa.String(length=48), nullable=True),
        sa.PrimaryKeyConstraint(
            "coverage_id", "recipient_id", "purpose", name=op.f("pk_grant_line")
        ),
    )
    with op.batch_alter_table("grant_line", schema=None) as batch_op:
        for columns in (["agreement_id"], ["authority_id"], ["version_id"]):
            batch_op.create_index(batch_op.f(f"ix_grant_line_{columns[0]}"), columns)
        batch_op.create_index(
            batch_op.f("ix_grant_line_recipient_id_grant_line_purpose"),
            ["recipient_id", "purpose"],
        )
    for name, table, event, statements in _triggers():
        _create_trigger(name, table, event, statements)
    op.execute(_insert("1 = 1"))


def downgrade() -> None:
    for name, table, _event, _statements in _triggers():
        _drop_trigger(name, table)
    op.drop_table("grant_line")
