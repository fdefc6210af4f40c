"""One query counter: the SQL statements the app sends while a block runs.

    with count_queries(app) as queries:
        client.get("/providers")
    assert len(queries.selects) <= 5

Pass the app from outside an app context (a test client's request makes its own), or nothing
inside one (`db.engine` of the current app is used).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from pfdo.db import db


class Queries(list):
    """The statements sent, in order (BEGIN and the like included, where the driver sends them)."""

    @property
    def selects(self) -> list[str]:
        return [s for s in self if s.lstrip().upper().startswith("SELECT")]


@contextmanager
def count_queries(app=None) -> Iterator[Queries]:
    if app is not None:
        with app.app_context():
            engine = db.engine
    else:
        engine = db.engine
    queries = Queries()

    def record(conn, cursor, statement, *args) -> None:
        queries.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield queries
    finally:
        event.remove(engine, "before_cursor_execute", record)
