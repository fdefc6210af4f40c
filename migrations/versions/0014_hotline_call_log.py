"""hotline: the call log (operator, start and end, topic, outcome, comment, certificate)

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('hotline_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('topic', sa.String(length=12), nullable=True),
    sa.Column('outcome', sa.String(length=12), nullable=True),
    sa.Column('comment', sa.String(length=1000), nullable=True),
    sa.Column('certificate_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("outcome IN ('answered', 'coordinator', 'provider', 'callback', 'dropped')", name=op.f('ck_hotline_call_outcome_known')),
    sa.CheckConstraint("topic IN ('balance', 'enrolment', 'financing', 'documents', 'complaint', 'other')", name=op.f('ck_hotline_call_topic_known')),
    sa.CheckConstraint('ended_at IS NULL OR (topic IS NOT NULL AND outcome IS NOT NULL)', name=op.f('ck_hotline_call_finished_has_topic_and_outcome')),
    sa.CheckConstraint('ended_at IS NULL OR ended_at >= started_at', name=op.f('ck_hotline_call_ends_after_start')),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_hotline_call_certificate_id_certificate')),
    sa.ForeignKeyConstraint(['operator_id'], ['user_account.id'], name=op.f('fk_hotline_call_operator_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_call'))
    )
    with op.batch_alter_table('hotline_call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotline_call_certificate_id'), ['certificate_id'], unique=False)
        batch_op.create_index('ix_hotline_call_operator_id_started_at', ['operator_id', 'started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotline_call_started_at'), ['started_at'], unique=False)



def downgrade():
    with op.batch_alter_table('hotline_call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hotline_call_started_at'))
        batch_op.drop_index('ix_hotline_call_operator_id_started_at')
        batch_op.drop_index(batch_op.f('ix_hotline_call_certificate_id'))

    op.drop_table('hotline_call')
