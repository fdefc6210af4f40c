"""Server-checked sessions on top of Flask's signed cookie.

The cookie carries "user_id:session_version"; the loader refuses an outdated version, so
logout, a password change or reset, blocking and a role change end copied cookies too.
Idle and absolute lifetimes are enforced here (frozen clock in tests)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, flash, request, session
from flask_login import current_user, login_user, logout_user

from pfdo import clock
from pfdo.accounts.access import redirect_to_login
from pfdo.accounts.models import User
from pfdo.db import db
from pfdo.identifiers import is_ascii_digits

AUTH_AT = "_pfdo_auth_at"
SEEN_AT = "_pfdo_seen_at"


def load_user(token: str) -> User | None:
    user_id, _, version = token.partition(":")
    # ASCII and bounded: «²» passes an isdigit check, and int() refuses it (a 500).
    if not (is_ascii_digits(user_id) and is_ascii_digits(version)) or len(user_id) > 10 \
            or len(version) > 10:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def start(user: User) -> None:
    """Begin a fresh session for `user` (nothing from the anonymous session is kept)."""
    session.clear()
    login_user(user)
    now = clock.now().timestamp()
    session[AUTH_AT] = now
    session[SEEN_AT] = now


def refresh(user: User) -> None:
    """Keep the current session valid after the user's session version changed."""
    auth_at = session.get(AUTH_AT)
    login_user(user)
    session[AUTH_AT] = auth_at or clock.now().timestamp()
    session[SEEN_AT] = clock.now().timestamp()


def end() -> None:
    logout_user()
    session.clear()


def check_lifetime():
    """before_request: end a session idle too long or older than the absolute limit."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now = clock.now()
    auth_at = session.get(AUTH_AT)
    seen_at = session.get(SEEN_AT)
    config = current_app.config
    idle = timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=config["SESSION_MAX_HOURS"])
    expired = (
        auth_at is None or seen_at is None
        or now - _ts(seen_at) > idle or now - _ts(auth_at) > absolute
    )
    if not expired:
        session[SEEN_AT] = now.timestamp()
        return None
    end()
    flash("Сеанс завершён из-за долгого бездействия. Войдите снова", "warning")
    return redirect_to_login()


def _ts(value: float) -> datetime:
    return datetime.fromtimestamp(value, tz=clock.now().tzinfo)
