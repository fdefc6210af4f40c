"""Real concurrent connections on PostgreSQL: the database's constraints decide the race."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from pfdo.accounts import services
from pfdo.accounts.models import User
from pfdo.db import db
from pfdo.errors import DomainError

pytestmark = pytest.mark.pg

THREADS = 12


def test_concurrent_registrations_with_one_email_create_exactly_one_account(app):
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def register(n: int) -> None:
        registration = services.Registration(
            name=services.PersonName("Петрова", "Анна", "Ивановна"),
            email="twins@example.ru", phone=f"+7914700{n:04d}",
            password="гроза-над-озером-7", consent=True,
        )
        with app.test_request_context():
            barrier.wait(timeout=60)
            try:
                services.register_parent(registration, ip="127.0.0.1")
                result = "ok"
            except DomainError as error:
                result = error.message
            finally:
                db.session.remove()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=register, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == THREADS
    assert outcomes.count("ok") == 1
    refused = [o for o in outcomes if o != "ok"]
    assert all("уже зарегистрирован" in message for message in refused), refused
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
