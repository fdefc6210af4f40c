"""The database object, the model base and the unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from enum import StrEnum
from typing import Annotated, TypeVar

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import BigInteger, CheckConstraint, DateTime, MetaData, String, event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column

from pfdo import clock
from pfdo.errors import DomainError, NotFound

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

T = TypeVar("T")

IntPk = Annotated[int, mapped_column(primary_key=True)]
Kopecks = Annotated[int, mapped_column(BigInteger)]  #: money: int kopecks, never float
Timestamp = Annotated[datetime, mapped_column(DateTime(timezone=True), default=clock.now)]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def get_or_not_found(model: type[T], ident) -> T:
    """The row with this primary key, or `NotFound` (shown as 404): Flask-SQLAlchemy's
    get_or_404 aborts the request, which a service must not do."""
    row = db.session.get(model, ident)
    if row is None:
        raise NotFound()
    return row


def one_of(column: str, enum: type[StrEnum], name: str) -> CheckConstraint:
    """CHECK that `column` holds one of the enum's codes: the list comes from the enum, so a
    new status cannot be forgotten in the constraint (a migration still adds it to the table)."""
    codes = ", ".join(f"'{member.value}'" for member in enum)
    return CheckConstraint(f"{column} IN ({codes})", name)


def length_check(column: str, limit: int, *, new_table: bool = True) -> CheckConstraint:
    """CHECK (length(column) <= limit), named `<column>_length`: a Text column's bound.

    On a table that existed before its limit (`new_table=False`) only PostgreSQL has it as a
    CHECK: SQLite would have to rebuild the table, and dropping a table that others reference
    cascades or fails. Its migration gives SQLite a trigger with the same rule instead."""
    check = CheckConstraint(f"length({column}) <= {limit}", f"{column}_length")
    return check if new_table else check.ddl_if(dialect="postgresql")


db = SQLAlchemy(model_class=Base)

# True inside a unit of work on SQLite: the next BEGIN takes the write lock at once.
_immediate: ContextVar[bool] = ContextVar("pfdo_sqlite_immediate", default=False)
_depth: ContextVar[int] = ContextVar("pfdo_uow_depth", default=0)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    """WAL, foreign keys, a busy timeout, and our own BEGIN (pysqlite's is deferred)."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
    # SQLite's lower() knows only ASCII; Russian names must compare case-insensitively too.
    dbapi_connection.create_function("lower", 1, _py_lower, deterministic=True)


def _py_lower(value):
    return value.lower() if isinstance(value, str) else value


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


TOO_LONG = "Слишком длинно: не больше {length} знаков"
NUL_IN_TEXT = "Уберите непечатаемые символы: они попали сюда при копировании текста"


@event.listens_for(Session, "before_flush")
def _check_text_columns(session, flush_context, instances) -> None:
    """The last line of the input layer, the same on both databases: text longer than its
    column (PostgreSQL refuses it with an error, SQLite would store it) or holding a NUL
    (PostgreSQL cannot store one) is refused with a DomainError naming the attribute, which
    the form shows beside the field of that name. Nothing is ever cut to fit."""
    for obj in (*session.new, *session.dirty):
        state = sa_inspect(obj)
        for attr in state.mapper.column_attrs:
            column = attr.columns[0]
            value = state.dict.get(attr.key)  # loaded values only: no query inside a flush
            if not isinstance(value, str) or not isinstance(column.type, String):
                continue
            length = column.type.length
            if length is not None and len(value) > length:
                raise DomainError(TOO_LONG.format(length=length), field=attr.key)
            if "\x00" in value:
                raise DomainError(NUL_IN_TEXT, field=attr.key)


@contextmanager
def unit_of_work() -> Iterator[None]:
    """One business operation: commit on success, roll back on any error.

    On SQLite the transaction starts with BEGIN IMMEDIATE so that read-then-write
    operations do not fail with SQLITE_BUSY halfway. Nested calls join the outer one."""
    depth = _depth.get()
    if depth:
        token = _depth.set(depth + 1)
        try:
            yield
        finally:
            _depth.reset(token)
        return
    session = db.session()  # the request's Session behind the scoped proxy
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("unsaved changes outside a unit of work")
    if session.in_transaction():
        # End the read-only transaction the request opened (the user loader queried), so
        # the write transaction below begins afresh (and immediately, on SQLite).
        session.commit()
    immediate = _immediate.set(session.get_bind().dialect.name == "sqlite")
    depth_token = _depth.set(1)
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _depth.reset(depth_token)
        _immediate.reset(immediate)
