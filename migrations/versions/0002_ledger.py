"""ledger: accounts and the append-only transfers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:37:01.751921

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def create_append_only(table):
    """The database itself refuses UPDATE and DELETE on `table` (reliability M-40).

    On PostgreSQL the trigger function belongs to 0001 (the audit log); CREATE OR REPLACE keeps
    this revision self-sufficient without taking the function over."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION pfdo_refuse_change() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION pfdo_refuse_change()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def drop_append_only(table):
    """Only this revision's triggers: the function stays for 0001's audit log."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")


def upgrade():
    op.create_table('ledger_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('debits_posted', sa.BigInteger(), nullable=False),
    sa.Column('credits_posted', sa.BigInteger(), nullable=False),
    sa.Column('overdraft_limit', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind = 'fund' OR overdraft_limit = 0", name=op.f('ck_ledger_account_overdraft_only_fund')),
    sa.CheckConstraint("kind IN ('fund', 'certificate', 'escrow', 'payable')", name=op.f('ck_ledger_account_kind_known')),
    sa.CheckConstraint('credits_posted - debits_posted >= -overdraft_limit', name=op.f('ck_ledger_account_within_floor')),
    sa.CheckConstraint('credits_posted >= 0', name=op.f('ck_ledger_account_credits_not_negative')),
    sa.CheckConstraint('debits_posted >= 0', name=op.f('ck_ledger_account_debits_not_negative')),
    sa.CheckConstraint('overdraft_limit >= 0', name=op.f('ck_ledger_account_overdraft_limit_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_account')),
    sa.UniqueConstraint('code', name=op.f('uq_ledger_account_code'))
    )
    op.create_table('ledger_transfer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('debit_account_id', sa.Integer(), nullable=False),
    sa.Column('credit_account_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('topup', 'reserve', 'payment', 'release', 'return', 'correction')", name=op.f('ck_ledger_transfer_kind_known')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_ledger_transfer_amount_positive')),
    sa.CheckConstraint('debit_account_id <> credit_account_id', name=op.f('ck_ledger_transfer_accounts_differ')),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_ledger_transfer_actor_id_user_account')),
    sa.ForeignKeyConstraint(['credit_account_id'], ['ledger_account.id'], name=op.f('fk_ledger_transfer_credit_account_id_ledger_account')),
    sa.ForeignKeyConstraint(['debit_account_id'], ['ledger_account.id'], name=op.f('fk_ledger_transfer_debit_account_id_ledger_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_transfer')),
    sa.UniqueConstraint('key', name=op.f('uq_ledger_transfer_key'))
    )
    with op.batch_alter_table('ledger_transfer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_transfer_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_transfer_credit_account_id'), ['credit_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_transfer_debit_account_id'), ['debit_account_id'], unique=False)

    # After the batch operations: a SQLite batch rebuild would not carry triggers over.
    create_append_only("ledger_transfer")


def downgrade():
    drop_append_only("ledger_transfer")
    with op.batch_alter_table('ledger_transfer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_transfer_debit_account_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_transfer_credit_account_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_transfer_actor_id'))

    op.drop_table('ledger_transfer')
    op.drop_table('ledger_account')
