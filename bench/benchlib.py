"""What the benchmarks share: where the repository and bench/RESULTS.md are, the PostgreSQL
server they create their throwaway databases on (BENCH_PG_URL), the app on such a database,
and the writing of one run's figures between a section's markers in RESULTS.md."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
ADMIN_URL = os.environ.get("BENCH_PG_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def db_url(name: str) -> str:
    """The URL of database `name` on the benchmark's server."""
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def admin_sql(statement: str, *, database: str | None = None) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE; VACUUM in `database`)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url(database) if database else ADMIN_URL,
                           isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def fresh_database(name: str) -> None:
    admin_sql(f"DROP DATABASE IF EXISTS {name}")
    admin_sql(f"CREATE DATABASE {name}")


def migrated_app(database: str, **config):
    """The app on `database`, migrated to the newest revision; `config` adds to the
    benchmark's defaults (testing, no inline e-mail, a public URL)."""
    import flask_migrate

    from pfdo import create_app

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": db_url(database), "TESTING": True,
        "OUTBOX_DELIVER_INLINE": False, "SERVER_NAME": None,
        "PUBLIC_BASE_URL": "http://pfdo.bench", **config})
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
    return app


def write_block(begin: str, end: str, block: str, *, section: str = "", method: str = "") -> None:
    """Put `block` (which starts with `begin` and ends with `end`) in place of the last run's
    figures; the first time, append the section's heading and method before it."""
    current = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    if begin in current:
        current = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, current,
                         flags=re.S)
    else:
        head = f"\n\n{section}\n\n{method}\n" if section else "\n\n"
        current = current.rstrip() + head + block + "\n"
    RESULTS.write_text(current, encoding="utf-8")
