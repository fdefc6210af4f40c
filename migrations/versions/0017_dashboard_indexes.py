"""dashboard: covering indexes for enrolments by program and provider, and money held by account kind

Revision ID: 0017
Revises: 0016
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.create_index('ix_contract_status_program', ['status', 'program_id', 'provider_id'], unique=False)

    with op.batch_alter_table('ledger_account', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_account_kind', ['kind'], unique=False, postgresql_include=['credits_posted', 'debits_posted'])


def downgrade():
    with op.batch_alter_table('ledger_account', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_account_kind')

    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_index('ix_contract_status_program')
