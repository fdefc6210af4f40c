"""consent withdrawal: applications withdrawn with the consent, the consent's erasure time

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

STATUS_KNOWN = 'ck_certificate_application_status_known'


def upgrade():
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))

    # SQLite rebuilds the table for a CHECK change; the partial unique indexes are rebuilt
    # with it (the test of the chain compares them with the models).
    with op.batch_alter_table('certificate_application', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(STATUS_KNOWN), type_='check')
        batch_op.create_check_constraint(
            op.f(STATUS_KNOWN), "status IN ('submitted', 'confirmed', 'refused', 'withdrawn')")


def downgrade():
    # A withdrawn application had not been decided: it goes back to the queue.
    op.execute("UPDATE certificate_application SET status = 'submitted', decided_at = NULL "
               "WHERE status = 'withdrawn'")
    with op.batch_alter_table('certificate_application', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(STATUS_KNOWN), type_='check')
        batch_op.create_check_constraint(
            op.f(STATUS_KNOWN), "status IN ('submitted', 'confirmed', 'refused')")

    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
