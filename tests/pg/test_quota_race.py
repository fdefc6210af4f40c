"""The quota race on PostgreSQL: 30 families convert at once for the last 5 places."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from pfdo.accounts.services import PersonName
from pfdo.certificates import financing as certificate_financing
from pfdo.certificates.models import Certificate, FinancingGrant
from pfdo.db import db
from pfdo.ledger import services as ledger
from pfdo.periods.models import FinancingPeriod
from pfdo.periods.services import QuotaExhausted
from tests import factories
from tests.concurrency import race

pytestmark = pytest.mark.pg

FAMILIES = 30
PLACES = 5
TODAY = date(2026, 3, 15)


def test_thirty_families_racing_for_the_last_five_places_get_exactly_five(app, make,
                                                                          frozen_clock):
    coordinator = make.user("coordinator", email="coordinator@example.ru")
    make.municipality()
    period_id = factories.period(app, coordinator, quota=PLACES).id
    cert_ids = []
    for n in range(FAMILIES):
        parent = make.user("parent", email=f"family{n}@example.ru")
        cert_ids.append(factories.certificate(app, parent, coordinator=coordinator,
                                              name=PersonName("Орлов", f"Иван{'а' * n}", "")).id)

    def convert(cert: Certificate) -> str:
        try:
            certificate_financing.grant_financing(cert, actor=None, today=TODAY)
        except QuotaExhausted:
            return "quota exhausted"
        return "granted"

    outcomes = race(app, FAMILIES, convert, timeout=120,
                    before=lambda n: db.session.get(Certificate, cert_ids[n]))
    outcomes = [o if isinstance(o, str) else f"unexpected: {o!r}" for o in outcomes]

    assert sorted(set(outcomes)) == ["granted", "quota exhausted"], outcomes
    assert outcomes.count("granted") == PLACES
    assert outcomes.count("quota exhausted") == FAMILIES - PLACES
    with app.app_context():
        assert db.session.get(FinancingPeriod, period_id).quota_used == PLACES
        assert db.session.scalar(select(func.count()).select_from(FinancingGrant)) == PLACES
        financing = db.session.scalar(select(func.count()).select_from(Certificate).where(
            Certificate.kind == "financing"))
        assert financing == PLACES
        assert ledger.check_invariants() == []
