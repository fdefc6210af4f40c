"""A double submit of the conversion on PostgreSQL: two confirmations of one certificate at
once spend one quota place and credit once; the other is told nothing more was done."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from pfdo.certificates import financing
from pfdo.certificates.models import Certificate, FinancingGrant
from pfdo.db import db
from pfdo.ledger import services as ledger
from pfdo.periods.models import FinancingPeriod
from tests import factories
from tests.concurrency import race

pytestmark = pytest.mark.pg

TODAY = date(2026, 3, 15)


def test_two_confirmations_at_once_spend_one_place(app, make, frozen_clock):
    coordinator = make.user("coordinator", email="coordinator@example.ru")
    make.municipality()
    period_id = factories.period(app, coordinator, quota=3).id
    cert_id = factories.certificate(app, make.user("parent", email="family@example.ru"),
                                    coordinator=coordinator).id

    def submit(cert: Certificate) -> str:
        try:
            financing.confirm(cert, actor=cert.child.parent, today=TODAY,
                              expected_amount=1_454_666)
        except financing.AlreadyFinanced as error:
            return "already" if "ничего не изменило" in error.message else error.message
        return "granted"

    outcomes = race(app, 2, submit, before=lambda n: db.session.get(Certificate, cert_id))

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
    period_id = factories.period(app, coordinator, quota=3).id
    cert_id = factories.certificate(app, make.user("parent", email="family@example.ru"),
                                    coordinator=coordinator).id
    key = financing.new_request_key()

    def submit(cert: Certificate) -> int:
        return financing.confirm(cert, actor=cert.child.parent, today=TODAY,
                                 expected_amount=1_454_666, request_key=key).id

    outcomes = race(app, 3, submit, before=lambda n: db.session.get(Certificate, cert_id))

    assert len(outcomes) == 3 and len(set(outcomes)) == 1, outcomes
    assert isinstance(outcomes[0], int), outcomes
    with app.app_context():
        assert db.session.get(FinancingPeriod, period_id).quota_used == 1
        assert db.session.scalar(select(func.count()).select_from(FinancingGrant)) == 1
        assert ledger.check_invariants() == []
