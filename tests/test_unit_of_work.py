"""The unit of work: all or nothing, BEGIN IMMEDIATE on SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pfdo.accounts.models import User
from pfdo.audit import services as audit
from pfdo.db import db, unit_of_work
from tests.conftest import ON_PG
from tests.queries import count_queries


def test_a_failure_rolls_back_everything(app):
    with app.app_context():
        with pytest.raises(RuntimeError), unit_of_work():
            user = User(email="a@example.ru", role="parent", last_name="Иванова",
                        first_name="Анна")
            db.session.add(user)
            db.session.flush()
            audit.record(None, "user.created", user)
            raise RuntimeError("crash between the writes")
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_nested_units_join_the_outer_one(app):
    with app.app_context():
        with pytest.raises(RuntimeError), unit_of_work():
            with unit_of_work():
                db.session.add(User(email="a@example.ru", role="parent", last_name="Иванова",
                                    first_name="Анна"))
            raise RuntimeError("the outer one fails")
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_unsaved_changes_outside_a_unit_are_a_bug(app):
    with app.app_context():
        db.session.add(User(email="a@example.ru", role="parent", last_name="Иванова",
                            first_name="Анна"))
        with pytest.raises(RuntimeError, match="outside a unit of work"), unit_of_work():
            pass
        db.session.rollback()


@pytest.mark.skipif(ON_PG, reason="SQLite only")
def test_sqlite_write_transactions_begin_immediate(app):
    with app.app_context(), count_queries() as statements:
        db.session.scalar(select(func.count()).select_from(User))  # a read first
        with unit_of_work():
            db.session.add(User(email="a@example.ru", role="parent", last_name="Иванова",
                                first_name="Анна"))
    assert "BEGIN IMMEDIATE" in statements
    # the read before it ran in a plain (deferred) transaction
    assert statements.index("BEGIN") < statements.index("BEGIN IMMEDIATE")


@pytest.mark.skipif(ON_PG, reason="SQLite only")
def test_sqlite_pragmas(app):
    with app.app_context():
        conn = db.session.connection()
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def test_no_money_column_is_a_float(app):
    from sqlalchemy import Float, Numeric

    for table in db.metadata.sorted_tables:
        for column in table.columns:
            assert not isinstance(column.type, Float | Numeric), f"{table.name}.{column.name}"
