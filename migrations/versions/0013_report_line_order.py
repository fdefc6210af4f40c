"""billing: a report's lines indexed by (report, id) instead of by report alone

The close reads a batch as "the report's first N lines still reserved, in id order". With the
index on report_id alone, the generic plan PostgreSQL settles on for a prepared statement
walked every line of every report in id order (8 ms per invoice at 100 000 lines, growing with
the table); (report_id, id) gives the lines of one report already in order.

Revision ID: 0013
Revises: 0012
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('service_report_line', schema=None) as batch_op:
        batch_op.create_index('ix_service_report_line_report_id_id', ['report_id', 'id'],
                              unique=False)
        batch_op.drop_index('ix_service_report_line_report_id')


def downgrade():
    with op.batch_alter_table('service_report_line', schema=None) as batch_op:
        batch_op.create_index('ix_service_report_line_report_id', ['report_id'], unique=False)
        batch_op.drop_index('ix_service_report_line_report_id_id')
