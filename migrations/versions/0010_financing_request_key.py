"""certificates: the idempotency key of the parent's confirmation form on a financing grant

A replay of the form that made a grant (double click, resubmit, retry) is answered with that
grant. Nullable: grants by the queue and the period jobs have no form, and earlier grants keep
NULL. SQLite adds the column in place (no table rebuild).

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("financing_grant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_key", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("financing_grant", schema=None) as batch_op:
        batch_op.drop_column("request_key")
