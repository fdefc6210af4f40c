"""Security headers on every response; no inline scripts or styles anywhere (S-50..S-53)."""

from __future__ import annotations

import re

import flask_migrate
import pytest

from pfdo import create_app

PAGES = ["/", "/rules", "/contacts", "/privacy", "/consent", "/login", "/register",
         "/password/forgot", "/no-such-page"]


@pytest.mark.parametrize("path", PAGES)
def test_strict_csp_and_headers_on_every_page(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'",
                      "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
                      "form-action 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", PAGES)
def test_no_inline_script_style_or_handler(client, path):
    html = client.get(path).get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert "hx-on" not in html  # allowEval is off; hx-on would need it


def test_no_third_party_resources(client):
    html = client.get("/").get_data(as_text=True)
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_htmx_config_is_locked_down(client):
    html = client.get("/").get_data(as_text=True)
    for setting in ('"selfRequestsOnly":true', '"allowScriptTags":false', '"allowEval":false',
                    '"includeIndicatorStyles":false', '"historyCacheSize":0'):
        assert setting in html


def test_htmx_fragment_carries_the_csp_too(client):
    response = client.get("/register", headers={"HX-Request": "true"})
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_signed_in_pages_are_not_cached(client, login_as):
    login_as("parent")
    assert client.get("/cabinet").headers["Cache-Control"] == "no-store"


def test_public_pages_of_a_guest_may_be_cached(client):
    assert "no-store" not in client.get("/rules").headers.get("Cache-Control", "")


def test_production_sets_hsts_and_secure_host_cookie(tmp_path, monkeypatch):
    monkeypatch.setenv("PFDO_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://pfdo.example.ru")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}"},
                     instance_path=str(tmp_path))
    with app.app_context():
        flask_migrate.upgrade()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-pfdo"
    assert app.config["DEBUG"] is False
    response = app.test_client().get("/healthz", base_url="https://pfdo.example.ru")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    page = app.test_client().get("/login", base_url="https://pfdo.example.ru")
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("__Host-pfdo=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Domain" not in cookie


def test_static_dotfiles_and_git_are_not_served(client):
    assert client.get("/.git/config").status_code == 404
    assert client.get("/static/../.env").status_code == 404
