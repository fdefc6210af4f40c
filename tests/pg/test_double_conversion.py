"""A double submit of the conversion on PostgreSQL: two confirmations of one certificate at
once spend one quota place and credit once; the other is told nothing more was done."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from pfdo.certificates import financing
from pfdo.certificates.models import Certificate, FinancingGrant
from pfdo.db import db
from pfdo.ledger import services as ledger
from pfdo.periods.models import FinancingPeriod
from tests.families.helpers import certificate, period

pytestmark = pytest.mark.pg

TODAY = date(2026, 3, 15)


def test_two_confirmations_at_once_spend_one_place(app, make, frozen_clock):
    coordinator = make.user("coordinator", email="coordinator@example.ru")
    make.municipality()
    period_id = period(app, coordinator, quota=3)
    cert_id = certificate(app, make.user("parent", email="family@example.ru"), coordinator)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def submit() -> None:
        with app.test_request_context():
            cert = db.session.get(Certificate, cert_id)
            barrier.wait(timeout=30)
            try:
                financing.confirm(cert, actor=cert.child.parent, today=TODAY,
                                  expected_amount=1_454_666)
                result = "granted"
            except financing.AlreadyFinanced as error:
                result = "already" if "ничего не изменило" in error.message else error.message
            except Exception as error:  # noqa: BLE001 - any other outcome fails the test
                result = f"unexpected: {error!r}"
            finally:
                db.session.remove()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["already", "granted"], outcomes
    with app.app_context():
        assert db.session.get(FinancingPeriod, period_id).quota_used == 1
        assert db.session.scalar(select(func.count()).select_from(FinancingGrant)) == 1
        assert ledger.check_invariants() == []


def test_one_form_submitted_three_times_at_once_gets_one_grant_and_three_successes(
        app, make, frozen_clock):
    """The same idempotency key racing itself: the losers wait on the grant's UNIQUE, then
    find the grant their own form made and answer with it, as the winner does."""
    coordinator = make.user("coordinator", email="coordinator@example.ru")
    make.municipality()
    period_id = period(app, coordinator, quota=3)
    cert_id = certificate(app, make.user("parent", email="family@example.ru"), coordinator)
    key = financing.new_request_key()
    barrier = threading.Barrier(3)
    outcomes: list = []
    lock = threading.Lock()

    def submit() -> None:
        with app.test_request_context():
            cert = db.session.get(Certificate, cert_id)
            barrier.wait(timeout=30)
            try:
                result = financing.confirm(cert, actor=cert.child.parent, today=TODAY,
                                           expected_amount=1_454_666, request_key=key).id
            except Exception as error:  # noqa: BLE001 - any refusal fails the test
                result = f"unexpected: {error!r}"
            finally:
                db.session.remove()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=submit) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == 3 and len(set(outcomes)) == 1, outcomes
    assert isinstance(outcomes[0], int), outcomes
    with app.app_context():
        assert db.session.get(FinancingPeriod, period_id).quota_used == 1
        assert db.session.scalar(select(func.count()).select_from(FinancingGrant)) == 1
        assert ledger.check_invariants() == []
