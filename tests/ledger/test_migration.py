"""Revision 0002 comes and goes alone: downgrading to 0001 removes the ledger and its triggers
but leaves the audit log's triggers (and, on PostgreSQL, their shared function) in place."""

from __future__ import annotations

import flask_migrate
from sqlalchemy import text

from pfdo.db import db
from tests.conftest import ON_PG
from tests.test_migrations import (  # noqa: F401
    LENGTH_TRIGGERS,
    scratch_app,
    scratch_url,
    tables,
    triggers,
)

AUDIT = {"audit_event_append_only"} if ON_PG else {"audit_event_no_update",
                                                   "audit_event_no_delete"}
LEDGER = {"ledger_transfer_append_only"} if ON_PG else {"ledger_transfer_no_update",
                                                        "ledger_transfer_no_delete"}
#: the access log's subjects (0016) are append-only too
SUBJECTS = {"audit_subject_append_only"} if ON_PG else {"audit_subject_no_update",
                                                       "audit_subject_no_delete"}


def test_downgrading_0002_leaves_the_audit_log_append_only(scratch_app):  # noqa: F811
    with scratch_app.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="0001")
        with db.engine.connect() as conn:
            assert not {"ledger_account", "ledger_transfer"} & tables(conn)
            assert triggers(conn) == AUDIT
            if ON_PG:
                function = "SELECT count(*) FROM pg_proc WHERE proname = 'pfdo_refuse_change'"
                assert conn.execute(text(function)).scalar() == 1
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            assert triggers(conn) == AUDIT | LEDGER | SUBJECTS | LENGTH_TRIGGERS
