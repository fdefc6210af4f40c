"""Settings from environment variables, with safe defaults and production checks."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from urllib.parse import urlsplit

#: Keys that were published (the fixed development key of earlier versions): refused everywhere
PUBLISHED_SECRET_KEYS = frozenset({"dev-only-secret-key-change-me-in-production"})
#: the per-instance key made when SECRET_KEY is not configured (instance/secret_key)
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a key
MIN_SECRET_KEY_LENGTH = 32
DEFAULT_PORT = "5000"  # the Makefile's PORT
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
        # Not configured: a random key made once for this instance (see instance_secret_key).
        "SECRET_KEY": env.get("SECRET_KEY", ""),
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
        "REGISTRATION_MAX_AGE": int(env.get("REGISTRATION_MAX_AGE", str(24 * 3600))),
        # CSRF tokens live as long as the session: long htmx pages must not break after an hour.
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": production,
        # The guests' catalogue pages (pfdo.navigator.cache): Redis when configured (shared by
        # every worker), in-process otherwise; keys carry the catalogue's version.
        "CACHE_TYPE": "RedisCache" if redis_url else "SimpleCache",
        "CACHE_REDIS_URL": redis_url,
        "CACHE_DEFAULT_TIMEOUT": 300,
        "CACHE_KEY_PREFIX": "pfdo:",
        # Rate limits: Redis when configured (shared by every worker), memory otherwise.
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": False,
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        # HTML compressed by the app (Brotli or gzip); 0 behind an nginx that compresses
        "COMPRESS_HTML": _bool(env.get("COMPRESS_HTML"), True),
        "LOGIN_LIMIT_PER_IP": env.get("LOGIN_LIMIT_PER_IP", "30 per minute"),
        "LOGIN_LIMIT_PER_ACCOUNT": env.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per minute;100 per hour"),
        # Reset links asked for one account (the key resolves e-mail and phone to the account).
        "RESET_LIMIT_PER_ACCOUNT": env.get("RESET_LIMIT_PER_ACCOUNT", "3 per hour;10 per day"),
        # «Забыли номер сертификата?»: letters with the numbers, per IP and per account (the
        # key resolves e-mail and phone to the account, as for the reset links).
        "NUMBER_REMINDER_LIMIT_PER_IP": env.get("NUMBER_REMINDER_LIMIT_PER_IP",
                                                "10 per minute;100 per day"),
        "NUMBER_REMINDER_LIMIT_PER_ACCOUNT": env.get("NUMBER_REMINDER_LIMIT_PER_ACCOUNT",
                                                     "3 per hour;10 per day"),
        "REGISTER_LIMIT_PER_IP": env.get("REGISTER_LIMIT_PER_IP", "10 per minute;100 per day"),
        # Confirmation e-mails sent to one address, whether or not it has an account.
        "REGISTER_LIMIT_PER_EMAIL": env.get("REGISTER_LIMIT_PER_EMAIL", "3 per hour;10 per day"),
        "PROVIDER_APPLY_LIMIT_PER_IP": env.get("PROVIDER_APPLY_LIMIT_PER_IP",
                                               "3 per minute;20 per day"),
        "VERIFY_LIMIT_PER_IP": env.get("VERIFY_LIMIT_PER_IP", "20 per minute"),
        # argon2id takes 64 MiB a call: at most this many at once per process, the rest wait
        # PASSWORD_HASH_WAIT seconds and are then answered «Сервер занят» without hashing.
        "PASSWORD_HASH_CONCURRENCY": int(env.get("PASSWORD_HASH_CONCURRENCY", "2")),
        "PASSWORD_HASH_WAIT": float(env.get("PASSWORD_HASH_WAIT", "3")),
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
        # Every absolute link (e-mails, QR codes) is built from it, never from the Host header.
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL") or (
            "" if production else f"http://127.0.0.1:{env.get('PORT') or DEFAULT_PORT}"),
        "EXTRA_TRUSTED_HOSTS": _list(env.get("TRUSTED_HOSTS", "")),
        "DEMO_PASSWORD": env.get("PFDO_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD,
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
    }
    if overrides:
        config.update(overrides)
    check(config)
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = instance_secret_key(instance_path)
    if config.get("TRUSTED_HOSTS") is None:
        config["TRUSTED_HOSTS"] = trusted_hosts(config)
    return config


def _list(value: str) -> list[str]:
    return [item for item in value.replace(",", " ").split() if item]


def check(config: dict) -> None:
    """Refuse an unsafe configuration: a published secret key anywhere; in production a
    configured key shorter than 32 characters and a missing or non-https PUBLIC_BASE_URL."""
    production = config["PFDO_ENV"] == "production"
    key = config.get("SECRET_KEY") or ""
    if key in PUBLISHED_SECRET_KEYS or (production and key and len(key) < MIN_SECRET_KEY_LENGTH):
        raise ConfigError(
            "SECRET_KEY must be a random value of at least 32 characters, or unset (a random "
            "key is then made once under instance/) (for example: "
            "python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    base = config.get("PUBLIC_BASE_URL") or ""
    parts = urlsplit(base)
    if not base and production:
        raise ConfigError("PUBLIC_BASE_URL must be set in production: links in e-mails and QR "
                          "codes are built from it (for example: https://pfdo.example.ru).")
    if base and (parts.scheme not in ("http", "https") or not parts.hostname
                 or parts.query or parts.fragment):
        raise ConfigError(f"PUBLIC_BASE_URL is not a site address: {base!r} "
                          "(for example: https://pfdo.example.ru).")
    if production and parts.scheme != "https":
        raise ConfigError("PUBLIC_BASE_URL must be https in production (sessions use secure "
                          "cookies).")


def trusted_hosts(config: dict) -> list[str]:
    """The Host headers the site answers (Flask's TRUSTED_HOSTS; others get 400): the host of
    PUBLIC_BASE_URL, the TRUSTED_HOSTS list, and outside production the loopback names."""
    hosts = [urlsplit(config["PUBLIC_BASE_URL"]).hostname or ""]
    hosts += config.get("EXTRA_TRUSTED_HOSTS") or []
    if config["PFDO_ENV"] != "production":
        hosts += ["localhost", "127.0.0.1"]
    return list(dict.fromkeys(h for h in hosts if h))


def instance_secret_key(instance_path: str) -> str:
    """The instance's own random key, made on first start and kept in instance/secret_key.

    The file is created with O_EXCL and mode 0600, so of several workers starting at once one
    writes it; every worker then reads it back, and all sign with the same key."""
    path = Path(instance_path) / SECRET_KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(secrets.token_hex(32))
            file.flush()
            os.fsync(file.fileno())
    for _ in range(100):  # another worker may be between its create and its write
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= MIN_SECRET_KEY_LENGTH:
            return key
        time.sleep(0.02)
    raise ConfigError(f"{path} holds no usable secret key: delete the file and start again.")
