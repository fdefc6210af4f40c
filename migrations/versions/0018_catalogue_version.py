"""navigator: the catalogue's version, moved on after every change a guest's page shows

Revision ID: 0018
Revises: 0017
"""
import time

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'catalogue_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_version')),
    )
    # a new database starts from the moment it was made, so that a shared cache (Redis) never
    # mistakes another database's pages for its own
    op.bulk_insert(table, [{'id': 1, 'version': int(time.time() * 1000)}])


def downgrade():
    op.drop_table('catalogue_version')
