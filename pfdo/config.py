"""Settings from environment variables, with safe defaults and production checks."""

from __future__ import annotations

import os
from pathlib import Path

DEV_SECRET_KEY = "dev-only-secret-key-change-me-in-production"  # noqa: S105 - refused in production
DEFAULT_DEMO_PASSWORD = "demo-pfdo-2026"  # noqa: S105 - demo accounts only, printed by `make run`


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app refuses to start."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalize_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgres:// URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the Flask config dict from the environment (then `overrides`, used by tests)."""
    env = os.environ
    pfdo_env = env.get("PFDO_ENV", "development")
    production = pfdo_env == "production"
    default_db = "sqlite:///" + str(Path(instance_path) / "pfdo.sqlite")
    redis_url = env.get("REDIS_URL", "")
    config = {
        "PFDO_ENV": pfdo_env,
        "SECRET_KEY": env.get("SECRET_KEY") or ("" if production else DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(env.get("DATABASE_URL") or default_db),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # A provider's application carries up to four PDFs of 10 MB each; each file's own
        # limit is checked by pfdo.storage, which answers beside the field.
        "MAX_CONTENT_LENGTH": 45 * 1024 * 1024,
        # Uploaded documents: outside static/, served only through views that check access.
        "UPLOAD_DIR": env.get("UPLOAD_DIR") or str(Path(instance_path) / "uploads"),
        # Sessions: signed cookie + per-user session version (see accounts.sessions).
        "SESSION_COOKIE_NAME": "__Host-pfdo" if production else "pfdo_session",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": 0,
        "SESSION_IDLE_MINUTES": int(env.get("SESSION_IDLE_MINUTES", "30")),
        "SESSION_MAX_HOURS": int(env.get("SESSION_MAX_HOURS", "12")),
        "PASSWORD_RESET_MAX_AGE": int(env.get("PASSWORD_RESET_MAX_AGE", "3600")),
        # CSRF tokens live as long as the session: long htmx pages must not break after an hour.
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": production,
        # Rate limits: Redis when configured (shared by every worker), memory otherwise.
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": False,
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "LOGIN_LIMIT_PER_IP": env.get("LOGIN_LIMIT_PER_IP", "30 per minute"),
        "LOGIN_LIMIT_PER_ACCOUNT": env.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per minute;100 per hour"),
        # Mail: "log" prints messages to the log (development), "smtp" sends them.
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "smtp" if production else "log"),
        "MAIL_FROM": env.get("MAIL_FROM", "ПФДО <noreply@pfdo.local>"),
        "SMTP_HOST": env.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": int(env.get("SMTP_PORT", "25")),
        "SMTP_USER": env.get("SMTP_USER", ""),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool(env.get("SMTP_STARTTLS"), False),
        # In development the outbox is delivered right after the request; production uses cron.
        "OUTBOX_DELIVER_INLINE": _bool(env.get("OUTBOX_DELIVER_INLINE"), not production),
        "PROXY_FIX_HOPS": int(env.get("PROXY_FIX_HOPS", "0")),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", ""),
        "DEMO_PASSWORD": env.get("PFDO_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD,
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
    }
    if overrides:
        config.update(overrides)
    check(config)
    return config


def check(config: dict) -> None:
    """Refuse to run production with an unsafe configuration."""
    if config["PFDO_ENV"] != "production":
        return
    key = config.get("SECRET_KEY") or ""
    if not key or key == DEV_SECRET_KEY or len(key) < 32:
        raise ConfigError(
            "SECRET_KEY must be set to a random value of at least 32 characters in production "
            "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
        )
