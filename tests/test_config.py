"""Configuration from the environment; production refuses unsafe settings."""

from __future__ import annotations

import pytest

from pfdo import create_app
from pfdo.config import DEV_SECRET_KEY, ConfigError, normalize_database_url


@pytest.mark.parametrize("secret", [None, "", DEV_SECRET_KEY, "short-secret"])
def test_production_refuses_a_missing_default_or_short_secret_key(monkeypatch, tmp_path, secret):
    monkeypatch.setenv("PFDO_ENV", "production")
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"})


def test_production_starts_with_a_real_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("PFDO_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    assert app.config["MAIL_BACKEND"] == "smtp"
    assert app.config["OUTBOX_DELIVER_INLINE"] is False
    assert app.config["WTF_CSRF_SSL_STRICT"] is True


def test_development_defaults(monkeypatch, tmp_path):
    for name in ("PFDO_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("pfdo.sqlite")
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert app.config["MAIL_BACKEND"] == "log"


def test_redis_url_moves_rate_limits_to_redis(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize(("url", "expected"), [
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:///x.sqlite", "sqlite:///x.sqlite"),
])
def test_database_url_uses_psycopg3(url, expected):
    assert normalize_database_url(url) == expected
