"""signing key id: the id of the key that signed the chain head and each checkpoint

Revision ID: e6a3c9f4d0b5
Revises: d5f2b8e3c9a4
Create Date: 2026-11-26 14:40:00.000000

Existing signatures keep a NULL key id, which means the `default` key (HUB_AUDIT_SIGNING_KEY),
the only key there was before rotation.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e6a3c9f4d0b5"
down_revision: str | None = "d5f2b8e3c9a4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("access_chain_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))
    with op.batch_alter_table("access_checkpoint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("access_checkpoint", schema=None) as batch_op:
        batch_op.drop_column("key_id")
    with op.batch_alter_table("access_chain_head", schema=None) as batch_op:
        batch_op.drop_column("key_id")
