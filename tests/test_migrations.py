"""The migration chain on a database of its own: upgrade, no drift from the models, downgrade to
nothing, upgrade again; the audit log's and the ledger's triggers and the constraint names come
with it."""

from __future__ import annotations

import uuid

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, make_url, text

from pfdo import create_app
from pfdo.db import db
from tests.conftest import ON_PG, PG_URL

PREFIXES = {"pk": "pk_", "uq": "uq_", "ck": "ck_", "fk": "fk_", "ix": "ix_"}


@pytest.fixture
def scratch_url(tmp_path):
    """The URL of an empty database that is not the suite's."""
    if not ON_PG:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    url = make_url(PG_URL)
    name = f"pfdo_migrations_{uuid.uuid4().hex[:12]}"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture
def scratch_app(scratch_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": scratch_url})
    yield app
    with app.app_context():
        db.engine.dispose()


def tables(conn) -> set[str]:
    return set(inspect(conn).get_table_names())


def triggers(conn) -> set[str]:
    if conn.dialect.name == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    return set(conn.execute(text(query)).scalars())


def constraint_names(conn) -> dict[str, list[str | None]]:
    """Every constraint and index of the migrated schema, by kind."""
    inspector = inspect(conn)
    names: dict[str, list[str | None]] = {kind: [] for kind in PREFIXES}
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        names["pk"].append(inspector.get_pk_constraint(table)["name"])
        names["uq"] += [c["name"] for c in inspector.get_unique_constraints(table)]
        names["ck"] += [c["name"] for c in inspector.get_check_constraints(table)]
        names["fk"] += [c["name"] for c in inspector.get_foreign_keys(table)]
        names["ix"] += [i["name"] for i in inspector.get_indexes(table)
                        if not i.get("duplicates_constraint")]  # PG: a UNIQUE's own index
    return names


#: Text columns bounded by a CHECK on PostgreSQL and by triggers on SQLite (migration 0005)
LENGTH_LIMITED = [("program", "description"), ("program", "remarks"),
                  ("program_event", "comment"), ("provider", "description"),
                  ("provider", "rejection_reason"), ("provider_event", "comment")]


#: the triggers that bound those columns on SQLite (PostgreSQL has CHECKs instead)
LENGTH_TRIGGERS = set() if ON_PG else {f"{table}_{column}_length_on_{verb}"
                                       for table, column in LENGTH_LIMITED
                                       for verb in ("insert", "update")}


def test_migrations_upgrade_match_the_models_downgrade_and_upgrade_again(app, scratch_app):
    append_only = ("audit_event", "audit_subject", "ledger_transfer")
    expected_triggers = ({f"{table}_append_only" for table in append_only} if ON_PG
                         else {f"{table}_no_{verb}" for table in append_only
                               for verb in ("update", "delete")}) | LENGTH_TRIGGERS
    with scratch_app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            assert tables(conn) == set(db.metadata.tables) | {"alembic_version"}
            assert triggers(conn) == expected_triggers
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []

        flask_migrate.downgrade(revision="base")
        with db.engine.connect() as conn:
            assert tables(conn) == {"alembic_version"}
            assert triggers(conn) == set()
            if ON_PG:  # nothing of ours is left behind, not even the trigger's function
                leftover = "SELECT count(*) FROM pg_proc WHERE proname = 'pfdo_refuse_change'"
                assert conn.execute(text(leftover)).scalar() == 0

        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            assert triggers(conn) == expected_triggers
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
    with app.app_context():  # the suite's own database was left alone
        assert "audit_event" in inspect(db.engine).get_table_names()


def test_every_constraint_is_named_by_the_convention(scratch_app):
    with scratch_app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            names = constraint_names(conn)
    for kind, prefix in PREFIXES.items():
        assert names[kind], f"no {kind} constraints found: the check would prove nothing"
        # a partial unique index is an index named as the unique rule it enforces
        allowed = (prefix, "uq_") if kind == "ix" else (prefix,)
        misnamed = [name for name in names[kind] if not (name or "").startswith(allowed)]
        assert misnamed == [], f"{kind} constraints not named {prefix}…"
    assert "ck_user_account_email_lower_case" in names["ck"]
    assert "fk_audit_event_actor_id_user_account" in names["fk"]
