"""Browser journeys: the real app (migrated SQLite, demo data) served from a thread, driven by
Debian's Chromium through pytest-playwright. One browser and one server per session."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, expect
from werkzeug.serving import WSGIRequestHandler, make_server

import pfdo
import pfdo.demo
from tests.browser.support import DESKTOP, BrowserProblems, log_in

BROWSER_DIR = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    # Without these Chromium keeps trying to reach Google's services.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=ru-RU",  # Russian UI language for the browser (date inputs may still follow the OS)
]

ACTION_TIMEOUT_MS = 10_000  # Playwright's 30 s default only makes a failing run slow
expect.set_options(timeout=ACTION_TIMEOUT_MS)


class QuietRequestHandler(WSGIRequestHandler):
    """No access log line per request: failures stay readable. Errors are still logged."""

    def log_request(self, code="-", size="-") -> None:
        pass


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by marks
def pytest_collection_modifyitems(config, items):
    """Everything in this directory is a browser test (the root conftest relies on the mark)."""
    for item in items:
        if BROWSER_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session")
def live_app(tmp_path_factory) -> Flask:
    """The app on a fresh SQLite file, with real migrations and the demo municipality.

    The rate limiter stays on (in memory): tests use their own e-mail addresses so that the
    per-account login limit never trips."""
    database = tmp_path_factory.mktemp("browser") / "browser.sqlite"
    app = pfdo.create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "UPLOAD_DIR": str(database.parent / "uploads"),
    })
    with app.app_context():
        flask_migrate.upgrade()
        pfdo.demo.seed(2026)
    return app


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """The base URL of live_app served on a free port of 127.0.0.1 from a daemon thread."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True,
                         request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    live_app.config["PUBLIC_BASE_URL"] = url  # the links in letters lead to this server
    yield url
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """pytest-playwright gives every context this base URL: tests go to "/login"."""
    return live_server


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "ru-RU"}


@pytest.fixture(scope="session")
def screenshots_dir(pytestconfig) -> Path:
    """test-results/screenshots/ by default: inside pytest-playwright's --output folder."""
    folder = Path(pytestconfig.getoption("--output")).resolve() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def demo_password(live_app: Flask) -> str:
    return live_app.config["DEMO_PASSWORD"]


@pytest.fixture
def problems() -> Iterator[BrowserProblems]:
    """CSP violations and console errors of the test's contexts; none may be left at the end."""
    collected = BrowserProblems()
    yield collected
    collected.assert_none()


@pytest.fixture
def watched_context(new_context, problems: BrowserProblems) -> Callable[..., BrowserContext]:
    """A new context (desktop unless told otherwise), watched for CSP violations and console
    errors. Options as for browser.new_context: viewport, java_script_enabled, storage_state."""

    def make(**options) -> BrowserContext:
        context = new_context(**{"viewport": DESKTOP, **options})
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        return problems.watch(context)

    return make


@pytest.fixture
def context(watched_context) -> BrowserContext:
    """pytest-playwright's context (and so its page), watched like the others."""
    return watched_context()


@pytest.fixture(scope="session")
def signed_in_state(browser: Browser, browser_context_args: dict,
                    demo_password: str) -> Callable[[str], dict]:
    """The cookies of a demo account signed in once per session, for pages behind the login.
    Each role lands on its workspace (parents in /cabinet)."""
    states: dict[str, dict] = {}

    def state_for(email: str) -> dict:
        if email not in states:
            context = browser.new_context(**browser_context_args)  # not watched: set-up only
            try:
                page = context.new_page()
                log_in(page, email, demo_password)
                expect(page).to_have_url(
                    re.compile(r"/(cabinet|provider|coordinator|hotline|admin/users)$"))
                states[email] = context.storage_state()
            finally:
                context.close()
        return states[email]

    return state_for
