"""access_touch without foreign keys: the record's hash guards its touch rows

Revision ID: f1c2d3e4a5b6
Revises: e6a3c9f4d0b5
Create Date: 2026-11-26 21:20:00.000000

`hub audit verify` already reports a touch row that differs from the touches its record hashed,
and neither records nor authorities nor sources are deleted. On PostgreSQL the three checks per
touch row were most of the cost of writing an access record, and share-locked the authority
rows every request read (see hub/models/audit.py).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "f1c2d3e4a5b6"
down_revision: str | None = "e6a3c9f4d0b5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEYS = (
    ("fk_access_touch_authority_id_authority", "authority", ["authority_id"], None),
    ("fk_access_touch_record_id_access_record", "access_record", ["record_id"], "CASCADE"),
    ("fk_access_touch_source_id_source", "source", ["source_id"], None),
)


def upgrade() -> None:
    with op.batch_alter_table("access_touch", schema=None) as batch_op:
        for name, _table, _columns, _on_delete in _KEYS:
            batch_op.drop_constraint(name, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("access_touch", schema=None) as batch_op:
        for name, table, columns, on_delete in _KEYS:
            batch_op.create_foreign_key(name, table, columns, ["id"], ondelete=on_delete)
