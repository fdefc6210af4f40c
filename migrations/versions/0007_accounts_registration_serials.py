"""pending registrations; certificate serials through a keyed permutation

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00

Registration is confirmed by e-mail: `pending_registration` keeps the form (the password as its
argon2 hash) until the link is opened.

Certificate serials were handed out in order (1, 2, 3 …). From now on a counter walks a keyed
permutation of 00001–99999; the serials already issued (1..last_serial) stay as they are and are
skipped by the permutation (`sequential_until`), so no number is ever issued twice. The key is
made at random on first use. Downgrading sets the old counter to the highest serial issued, so
the old code continues above every existing number.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pending_registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=12), nullable=True),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('middle_name', sa.String(length=100), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('consent_version', sa.String(length=20), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_registration')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_pending_registration_token_hash'))
    )
    with op.batch_alter_table('pending_registration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_registration_email'), ['email'],
                              unique=False)

    with op.batch_alter_table('number_serial', schema=None) as batch_op:
        batch_op.add_column(sa.Column('permutation_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('sequential_until', sa.Integer(), server_default='0',
                                      nullable=False))
    # The serials issued in order so far are kept out of the permutation's reach.
    op.execute("UPDATE number_serial SET sequential_until = last_serial, last_serial = 0")
    with op.batch_alter_table('number_serial', schema=None) as batch_op:
        batch_op.alter_column('last_serial', new_column_name='last_position',
                              existing_type=sa.Integer(), existing_nullable=False)


def downgrade():
    # The old code issues last_serial + 1, + 2 …: start it above the highest serial issued.
    op.execute(
        "UPDATE number_serial SET last_position = COALESCE(("
        "SELECT MAX(CAST(SUBSTR(certificate.number, 5, 5) AS INTEGER)) FROM certificate "
        "WHERE SUBSTR(certificate.number, 1, 4) = number_serial.prefix), 0)"
    )
    with op.batch_alter_table('number_serial', schema=None) as batch_op:
        batch_op.alter_column('last_position', new_column_name='last_serial',
                              existing_type=sa.Integer(), existing_nullable=False)
        batch_op.drop_column('sequential_until')
        batch_op.drop_column('permutation_key')

    with op.batch_alter_table('pending_registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_registration_email'))

    op.drop_table('pending_registration')
