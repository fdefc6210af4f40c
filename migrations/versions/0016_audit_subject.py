"""audit: whose personal data each access record showed (a child or an account per row),
append-only, filled in for the records written before it

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

TABLE = "audit_subject"

#: where the records written before this revision keep whose data they showed:
#: (actions, the details' key holding the ids, the table those ids are of, its column of the
#: person's id, the subject's column). A key of None means the record's object itself.
SOURCES = [
    (("child.viewed",), None, "child", "id", "child_id"),
    (("child.viewed",), "duplicates", "child", "id", "child_id"),
    (("hotline.certificate_viewed", "hotline.field_revealed"), "child", "child", "id",
     "child_id"),
    (("hotline.searched",), "found", "certificate", "child_id", "child_id"),
    (("child.searched",), "applications", "certificate_application", "child_id", "child_id"),
    (("user.viewed",), None, "user_account", "id", "user_id"),
    (("user.list_viewed",), "users", "user_account", "id", "user_id"),
]


def upgrade():
    op.create_table('audit_subject',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(child_id IS NULL) <> (user_id IS NULL)', name=op.f('ck_audit_subject_one_person')),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_audit_subject_child_id_child')),
    sa.ForeignKeyConstraint(['event_id'], ['audit_event.id'], name=op.f('fk_audit_subject_event_id_audit_event')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_audit_subject_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_subject'))
    )
    with op.batch_alter_table('audit_subject', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_subject_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_subject_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_subject_user_id'), ['user_id'], unique=False)

    postgres = op.get_bind().dialect.name == "postgresql"
    for actions, key, table, column, target in SOURCES:
        op.execute(backfill(actions, key, table, column, target, postgres=postgres))
    create_append_only(postgres)


def backfill(actions, key, table, column, target, *, postgres: bool) -> str:
    """INSERT … SELECT of one source's subjects. Ids are matched as text on PostgreSQL (the
    log's JSON is not JSONB, and a cast of a stray value would fail the upgrade); only ids of
    rows that exist are taken, so the foreign keys hold."""
    if key is None:
        source, match = "", "CAST(t.id AS TEXT) = e.object_id"
    elif postgres:
        source = (f"CROSS JOIN LATERAL json_array_elements_text(CASE json_typeof(e.details -> '{key}') "
                  f"WHEN 'array' THEN e.details -> '{key}' "
                  f"WHEN 'number' THEN json_build_array(e.details -> '{key}') "
                  "ELSE '[]'::json END) AS j(value)")
        match = "CAST(t.id AS TEXT) = j.value"
    else:
        source, match = f", json_each(e.details, '$.{key}') AS j", "t.id = j.value"
    listed = ", ".join(f"'{action}'" for action in actions)
    return (f"INSERT INTO {TABLE} (event_id, {target}) "
            f"SELECT DISTINCT e.id, t.{column} FROM audit_event AS e {source} "
            f"JOIN {table} AS t ON {match} "
            f"WHERE e.action IN ({listed}) AND t.{column} IS NOT NULL")


def create_append_only(postgres: bool) -> None:
    """As the log itself (0001): the database refuses UPDATE and DELETE. On PostgreSQL the
    trigger function is 0001's."""
    if postgres:
        op.execute(f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
                   "FOR EACH ROW EXECUTE FUNCTION pfdo_refuse_change()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {TABLE}_no_{verb.lower()} BEFORE {verb} ON {TABLE} "
                       f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_{verb}")
    with op.batch_alter_table('audit_subject', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_subject_user_id'))
        batch_op.drop_index(batch_op.f('ix_audit_subject_event_id'))
        batch_op.drop_index(batch_op.f('ix_audit_subject_child_id'))

    op.drop_table('audit_subject')
