"""Valid objects in one call. Each factory commits, so the web tests see the rows."""

from __future__ import annotations

import itertools

from pfdo.accounts.models import Consent, User
from pfdo.accounts.passwords import hash_password
from pfdo.accounts.services import CONSENT_VERSION
from pfdo.db import db, unit_of_work
from pfdo.municipality import services as municipality

PASSWORD = "синий-кит-плывёт-2026"  # noqa: S105
_counter = itertools.count(1)


class Factories:
    def __init__(self, app):
        self.app = app

    def user(self, role: str = "parent", *, email: str | None = None, phone: str | None = None,
             password: str | None = PASSWORD, active: bool = True, last_name: str = "Иванова",
             first_name: str = "Мария", middle_name: str | None = "Петровна") -> User:
        n = next(_counter)
        with self.app.app_context():
            with unit_of_work():
                user = User(
                    email=email or f"user{n}@example.ru", phone=phone or f"+7914{n:07d}",
                    role=role, last_name=last_name, first_name=first_name,
                    middle_name=middle_name, active=active,
                    password_hash=hash_password(password) if password else None,
                )
                db.session.add(user)
                db.session.flush()
                if role == "parent":
                    db.session.add(Consent(user=user, kind="personal_data",
                                           text_version=CONSENT_VERSION))
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    def municipality(self, **overrides):
        from pfdo.demo import DEMO_MUNICIPALITY

        settings = DEMO_MUNICIPALITY.__class__(**{**DEMO_MUNICIPALITY.__dict__, **overrides})
        with self.app.test_request_context():
            return municipality.save(settings, actor=None)
