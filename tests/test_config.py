"""Configuration from the environment; production refuses unsafe settings."""

from __future__ import annotations

import pytest

from pfdo import create_app
from pfdo.config import ConfigError, normalize_database_url

PUBLISHED_DEV_KEY = "dev-only-secret-key-change-me-in-production"  # noqa: S105 - the old one


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setenv("PFDO_ENV", "production")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://pfdo.example.ru")


@pytest.mark.parametrize("secret", [PUBLISHED_DEV_KEY, "short-secret"])
def test_production_refuses_a_published_or_short_secret_key(production, monkeypatch, tmp_path,
                                                             secret):
    monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"},
                   instance_path=str(tmp_path))


def test_the_published_development_key_is_refused_in_development_too(monkeypatch, tmp_path):
    monkeypatch.delenv("PFDO_ENV", raising=False)
    monkeypatch.setenv("SECRET_KEY", PUBLISHED_DEV_KEY)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path))


@pytest.mark.parametrize("url", [None, "", "http://pfdo.example.ru", "pfdo.example.ru",
                                 "https://pfdo.example.ru/?next=x"])
def test_production_refuses_a_missing_or_unsafe_public_base_url(monkeypatch, tmp_path, url):
    monkeypatch.setenv("PFDO_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    if url is None:
        monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    else:
        monkeypatch.setenv("PUBLIC_BASE_URL", url)
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path))


def test_development_links_default_to_the_local_port(monkeypatch, tmp_path):
    for name in ("PFDO_ENV", "PUBLIC_BASE_URL", "TRUSTED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORT", "5102")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path))
    assert app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5102"
    assert app.config["TRUSTED_HOSTS"] == ["127.0.0.1", "localhost"]


def test_trusted_hosts_are_the_public_host_and_the_configured_list(production, monkeypatch,
                                                                   tmp_path):
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.setenv("TRUSTED_HOSTS", "pfdo-internal.local, 10.0.0.5")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path))
    # production answers no loopback name unless it is listed
    assert app.config["TRUSTED_HOSTS"] == ["pfdo.example.ru", "pfdo-internal.local", "10.0.0.5"]


def test_production_starts_with_a_real_secret(production, monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"},
                     instance_path=str(tmp_path))
    assert app.config["MAIL_BACKEND"] == "smtp"
    assert app.config["OUTBOX_DELIVER_INLINE"] is False
    assert app.config["WTF_CSRF_SSL_STRICT"] is True


def test_development_defaults(monkeypatch, tmp_path):
    for name in ("PFDO_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    app = create_app(instance_path=str(tmp_path))
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
