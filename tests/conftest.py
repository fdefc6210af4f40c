"""Fixtures: one app per session on SQLite or PostgreSQL (TEST_DATABASE_URL), real migrations,
a clean database per test, a frozen clock, factories and `login_as(role)`."""

from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import flask_migrate
import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from pfdo import clock, create_app
from pfdo.accounts import passwords
from pfdo.db import db
from pfdo.extensions import cache, limiter
from pfdo.programs import vocabulary
from tests import factories

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_PG = PG_URL.startswith("postgresql")
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL")
    for item in items:
        if "pg" in item.keywords and not ON_PG:
            item.add_marker(skip_pg)


def _reset_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    # Cheap argon2 parameters keep the suite fast; the production ones are tested by value.
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    if ON_PG:
        url = PG_URL
        _reset_postgres(url)
        sqlite_file = None
    else:
        sqlite_file = tmp_path_factory.mktemp("db") / "test.sqlite"
        url = f"sqlite:///{sqlite_file}"
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "OUTBOX_DELIVER_INLINE": False,
        "SERVER_NAME": None,
        "PUBLIC_BASE_URL": "http://pfdo.test",
        "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
        # in this process only: the SQLite and PostgreSQL suites run side by side
        "CACHE_TYPE": "SimpleCache",
        # The race tests hold one connection per thread at once.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": 40, "max_overflow": 10}
        if ON_PG else {},
    })
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    if sqlite_file is not None:
        # A migrated copy to restore before each test: the audit log's triggers refuse DELETE.
        template = sqlite_file.with_suffix(".template")
        shutil.copyfile(sqlite_file, template)
        app.config["_TEST_SQLITE"] = (sqlite_file, template)
    return app


#: every sequence of the schema back to 1, in one statement (what RESTART IDENTITY did)
_RESTART_SEQUENCES = text(
    "SELECT count(setval(c.oid, 1, false)) FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind = 'S' AND n.nspname = 'public'")


def _wipe_postgres() -> None:
    """Empty every table after a test. DELETE with the triggers off (the append-only tables'
    triggers refuse DELETE; the foreign keys' are triggers too, and every table goes) takes
    ~8 ms where TRUNCATE of the ~40 tables took ~190 ms a test: new files for each table.
    Without the superuser's session_replication_role, TRUNCATE as before."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    quoted = ", ".join(f'"{name}"' for name in tables)
    try:
        with db.engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            # every table at once, as TRUNCATE took them: a straggler waits, never deadlocks
            conn.execute(text(f"LOCK TABLE {quoted} IN ACCESS EXCLUSIVE MODE"))
            conn.execute(text("; ".join(f'DELETE FROM "{name}"'  # noqa: S608 - our names
                                         for name in tables)))
            conn.execute(_RESTART_SEQUENCES)
    except ProgrammingError:  # not a superuser
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))


def _wipe(app) -> None:
    with app.app_context():
        if ON_PG:
            _wipe_postgres()
        else:
            db.engine.dispose()
            sqlite_file, template = app.config["_TEST_SQLITE"]
            for suffix in ("-wal", "-shm"):
                Path(str(sqlite_file) + suffix).unlink(missing_ok=True)
            shutil.copyfile(template, sqlite_file)


@pytest.fixture(autouse=True)
def clean_db(request):
    if request.node.get_closest_marker("browser"):
        yield
        return
    app = request.getfixturevalue("app")
    limiter.reset()
    vocabulary.forget()  # the search's cached vocabulary was of the last test's catalogue
    with app.app_context():
        cache.clear()  # so were the guests' cached pages
    yield
    clock.set_frozen(None)
    _wipe(app)


@pytest.fixture
def frozen_clock():
    """The clock pinned to 15.03.2026 10:00 UTC; move it with clock.advance()."""
    clock.set_frozen(datetime(2026, 3, 15, 10, 0, tzinfo=UTC))
    yield clock
    clock.set_frozen(None)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make(app):
    """Factories bound to the app: `make.user(role=...)`, `make.municipality()`."""
    return factories.Factories(app)


def csrf_token(client, url: str = "/") -> str:
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


def form_post(client, url: str, data: dict | None = None, *, page: str | None = None,
              htmx: bool = False, **kwargs):
    """POST `data` with a valid CSRF token taken from `page` (default: the same URL)."""
    token = csrf_token(client, page or (url if "/logout" not in url else "/"))
    payload = {"csrf_token": token, **(data or {})}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url, data=payload, headers=headers, **kwargs)


def login(client, login_value: str, password: str = factories.PASSWORD):
    return form_post(client, "/login", {"login": login_value, "password": password})


@pytest.fixture
def login_as(client, make):
    """Create a user of `role` and sign the test client in as them; returns the user."""

    def _login_as(role: str = "parent", **kwargs):
        user = make.user(role=role, **kwargs)
        response = login(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return _login_as
