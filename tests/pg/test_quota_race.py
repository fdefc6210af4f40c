"""The quota race on PostgreSQL: 30 families convert at once for the last 5 places."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from pfdo.certificates import financing as certificate_financing
from pfdo.certificates.models import Certificate, FinancingGrant
from pfdo.children.validation import snils_check_number
from pfdo.db import db
from pfdo.ledger import services as ledger
from pfdo.periods.models import FinancingPeriod
from pfdo.periods.services import QuotaExhausted
from tests.families.helpers import certificate, period

pytestmark = pytest.mark.pg

FAMILIES = 30
PLACES = 5
TODAY = date(2026, 3, 15)


def snils(n: int) -> str:
    body = f"{200_000_000 + n:09d}"
    return body + f"{snils_check_number(body):02d}"


def test_thirty_families_racing_for_the_last_five_places_get_exactly_five(app, make,
                                                                          frozen_clock):
    from pfdo.accounts.services import PersonName

    coordinator = make.user("coordinator", email="coordinator@example.ru")
    make.municipality()
    period_id = period(app, coordinator, quota=PLACES)
    cert_ids = []
    for n in range(FAMILIES):
        parent = make.user("parent", email=f"family{n}@example.ru")
        cert_ids.append(certificate(app, parent, coordinator, snils=snils(n),
                                    name=PersonName("Орлов", f"Иван{'а' * n}", "")))
    barrier = threading.Barrier(FAMILIES)
    outcomes: list[str] = []
    lock = threading.Lock()

    def convert(cert_id: int) -> None:
        with app.test_request_context():
            cert = db.session.get(Certificate, cert_id)
            barrier.wait(timeout=60)
            try:
                certificate_financing.grant_financing(cert, actor=None, today=TODAY)
                result = "granted"
            except QuotaExhausted:
                result = "quota exhausted"
            except Exception as error:  # noqa: BLE001 - any other outcome fails the test
                result = f"unexpected: {error!r}"
            finally:
                db.session.remove()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=convert, args=(cid,)) for cid in cert_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

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
