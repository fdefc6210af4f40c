"""No fixed development key: without SECRET_KEY every instance makes its own random one."""

from __future__ import annotations

import os
import stat

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from pfdo import clock, create_app
from pfdo.config import SECRET_KEY_FILE, instance_secret_key
from tests.concurrency import race

OLD_DEV_KEY = "dev-only-secret-key-change-me-in-production"  # noqa: S105 - published in git


def _forged_cookie(secret_key: str, payload: dict) -> str:
    """A Flask session cookie signed with `secret_key`, as an attacker would make one."""
    forger = Flask("forger")
    forger.secret_key = secret_key
    return SecureCookieSessionInterface().get_signing_serializer(forger).dumps(payload)


def test_a_cookie_signed_with_the_old_development_key_does_not_open_the_admin_pages(
        app, client, make):
    admin = make.user(role="admin")
    now = clock.now().timestamp()
    cookie = _forged_cookie(OLD_DEV_KEY, {"_user_id": f"{admin.id}:1", "_fresh": True,
                                          "_pfdo_auth_at": now, "_pfdo_seen_at": now})
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    # the same forgery with the instance's real key would have worked: the test is sound
    client.set_cookie(app.config["SESSION_COOKIE_NAME"],
                      _forged_cookie(app.config["SECRET_KEY"], {
                          "_user_id": f"{admin.id}:1", "_fresh": True,
                          "_pfdo_auth_at": now, "_pfdo_seen_at": now}))
    assert client.get("/admin/users").status_code == 200


def test_two_instances_on_one_instance_folder_share_the_generated_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("PFDO_ENV", raising=False)
    first = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path))
    second = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path))
    key = first.config["SECRET_KEY"]
    assert key == second.config["SECRET_KEY"]
    assert len(key) == 64 and key != OLD_DEV_KEY
    key_file = tmp_path / SECRET_KEY_FILE
    assert key_file.read_text() == key
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    # another instance folder is another installation: another key
    other = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"},
                       instance_path=str(tmp_path / "other"))
    assert other.config["SECRET_KEY"] != key


def test_workers_starting_at_once_agree_on_one_key(tmp_path):
    keys = race(None, 8, lambda n: instance_secret_key(str(tmp_path)), timeout=10)
    assert not keys.errors, keys
    assert len(set(keys)) == 1


def test_a_configured_key_is_used_and_no_file_is_made(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] == "x" * 40
    assert not (tmp_path / SECRET_KEY_FILE).exists()


@pytest.mark.parametrize("content", ["", "short"])
def test_an_unusable_key_file_stops_the_start(tmp_path, content, monkeypatch):
    from pfdo.config import ConfigError

    monkeypatch.setattr("pfdo.config.time.sleep", lambda _seconds: None)
    (tmp_path / SECRET_KEY_FILE).write_text(content)
    with pytest.raises(ConfigError, match="secret key"):
        instance_secret_key(str(tmp_path))
