"""privacy: the family's deletion requests (carried out by the coordinator within 30 days)

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('deletion_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('children_erased', sa.Integer(), nullable=True),
    sa.Column('contracts_ended', sa.Integer(), nullable=True),
    sa.Column('certificates_closed', sa.Integer(), nullable=True),
    sa.CheckConstraint("status != 'done' OR (done_at IS NOT NULL)", name=op.f('ck_deletion_request_done_has_time')),
    sa.CheckConstraint("status IN ('pending', 'done', 'cancelled')", name=op.f('ck_deletion_request_status_known')),
    sa.ForeignKeyConstraint(['done_by_id'], ['user_account.id'], name=op.f('fk_deletion_request_done_by_id_user_account')),
    sa.ForeignKeyConstraint(['parent_id'], ['user_account.id'], name=op.f('fk_deletion_request_parent_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deletion_request'))
    )
    with op.batch_alter_table('deletion_request', schema=None) as batch_op:
        batch_op.create_index('ix_deletion_request_status_requested_at', ['status', 'requested_at'], unique=False)
        batch_op.create_index('uq_deletion_request_pending_parent', ['parent_id'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))



def downgrade():
    with op.batch_alter_table('deletion_request', schema=None) as batch_op:
        batch_op.drop_index('uq_deletion_request_pending_parent', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index('ix_deletion_request_status_requested_at')

    op.drop_table('deletion_request')
