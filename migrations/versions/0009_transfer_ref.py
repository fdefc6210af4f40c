"""ledger: a transfer's ref, what the money moved for ("contract:45", "invoice:12")

A nullable, indexed column. SQLite adds it with ALTER TABLE, without rebuilding the table, so
the append-only triggers on ledger_transfer stay as they are; transfers booked before this
revision keep NULL (the ledger never rewrites a transfer).

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ledger_transfer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ref", sa.String(length=60), nullable=True))
        batch_op.create_index(batch_op.f("ix_ledger_transfer_ref"), ["ref"], unique=False)


def downgrade():
    with op.batch_alter_table("ledger_transfer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_transfer_ref"))
    # Not in the batch: on SQLite a batch drop_column rebuilds the table, and the rebuilt table
    # would lose the append-only triggers of 0002. SQLite (3.35 and later) and PostgreSQL
    # both drop an unindexed column in place.
    op.drop_column("ledger_transfer", "ref")
