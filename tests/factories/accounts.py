"""Users and the municipality's settings."""

from __future__ import annotations

import itertools

from pfdo.accounts.models import Consent, User
from pfdo.accounts.passwords import hash_password
from pfdo.accounts.services import CONSENT_VERSION
from pfdo.db import db, unit_of_work
from pfdo.demo import DEMO_MUNICIPALITY
from pfdo.municipality import services as municipality_settings
from pfdo.municipality.models import Municipality

#: every factory-made user's password
PASSWORD = "синий-кит-плывёт-2026"  # noqa: S105
_counter = itertools.count(1)


def detached(obj):
    """The committed row re-read and detached: columns readable, relationships not."""
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


def user_row(user: User | int) -> User:
    """The user (an object from another session, or an id) in the current session."""
    return db.session.get(User, user if isinstance(user, int) else user.id)


def user(app, role: str = "parent", *, email: str | None = None, phone: str | None = None,
         password: str | None = PASSWORD, active: bool = True, last_name: str = "Иванова",
         first_name: str = "Мария", middle_name: str | None = "Петровна") -> User:
    """An account of `role` (a parent with the personal-data consent) signing in with
    `password`; a fresh e-mail and phone unless given."""
    n = next(_counter)
    with app.app_context():
        with unit_of_work():
            row = User(
                email=email or f"user{n}@example.ru", phone=phone or f"+7914{n:07d}",
                role=role, last_name=last_name, first_name=first_name,
                middle_name=middle_name, active=active,
                password_hash=hash_password(password) if password else None,
            )
            db.session.add(row)
            db.session.flush()
            if role == "parent":
                db.session.add(Consent(user=row, kind="personal_data",
                                       text_version=CONSENT_VERSION))
        return detached(row)


def municipality(app, **overrides) -> Municipality:
    """The municipality's settings: the demo's (Ленинский район), with `overrides`."""
    settings = DEMO_MUNICIPALITY.__class__(**{**DEMO_MUNICIPALITY.__dict__, **overrides})
    with app.app_context():
        return detached(municipality_settings.save(settings, actor=None))


class Factories:
    """The `make` fixture: these factories bound to the app (`make.user("coordinator")`)."""

    def __init__(self, app):
        self.app = app

    def user(self, role: str = "parent", **kwargs) -> User:
        return user(self.app, role, **kwargs)

    def municipality(self, **overrides) -> Municipality:
        return municipality(self.app, **overrides)
