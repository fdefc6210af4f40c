"""Real concurrent connections on PostgreSQL: the database's constraints decide the race."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pfdo.accounts import registration
from pfdo.accounts.models import User
from pfdo.accounts.services import PersonName
from pfdo.db import db
from pfdo.errors import DomainError
from pfdo.notifications.models import OutboxMessage
from tests.concurrency import race

pytestmark = pytest.mark.pg

THREADS = 12


def _tokens(app, regs: list[registration.Registration]) -> list[str]:
    """Start each registration; the tokens from the confirmation letters, in order."""
    for reg in regs:
        with app.app_context():
            registration.start_registration(reg, ip="127.0.0.1")
    with app.app_context():
        bodies = db.session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id)).all()
    return [body.split("/register/confirm/")[1].split()[0] for body in bodies]


def _confirm_all_at_once(app, tokens: list[str]) -> list[str]:
    def confirm(n: int) -> str:
        confirmed = registration.confirm_registration(tokens[n])
        return "phone left off" if confirmed.phone_left_off else "ok"

    outcomes = race(app, len(tokens), confirm)
    return [o.message if isinstance(o, DomainError) else o for o in outcomes]


def _registration(email: str, phone: str) -> registration.Registration:
    return registration.Registration(name=PersonName("Петрова", "Анна", "Ивановна"),
                                     email=email, phone=phone,
                                     password="гроза-над-озером-7", consent=True)


def test_concurrent_confirmations_for_one_email_create_exactly_one_account(app):
    tokens = _tokens(app, [_registration("twins@example.ru", f"+7914700{n:04d}")
                           for n in range(THREADS)])
    outcomes = _confirm_all_at_once(app, tokens)

    assert len(outcomes) == THREADS
    assert outcomes.count("ok") == 1
    refused = [o for o in outcomes if o != "ok"]
    assert refused == [registration.ALREADY_REGISTERED] * (THREADS - 1), refused
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_concurrent_confirmations_with_one_phone_give_it_to_exactly_one_account(app):
    tokens = _tokens(app, [_registration(f"family{n}@example.ru", "+79147000001")
                           for n in range(THREADS)])
    outcomes = _confirm_all_at_once(app, tokens)

    assert sorted(outcomes) == ["ok"] + ["phone left off"] * (THREADS - 1)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == THREADS
        assert db.session.scalar(select(func.count()).select_from(User).where(
            User.phone == "+79147000001")) == 1
