"""The certificate page's balance (зачислено / зарезервировано / оплачено / доступно) read
from the ledger by query: the same figures as the history says, and a fixed number of queries
however many transfers the certificate has."""

from __future__ import annotations

import re

from pfdo.certificates import balance
from pfdo.certificates.models import Certificate
from pfdo.db import db, unit_of_work
from pfdo.ledger import escrow
from pfdo.ledger import services as ledger
from pfdo.ledger.models import AccountKind
from pfdo.municipality.services import local_today
from tests import factories
from tests.conftest import form_post
from tests.queries import count_queries

TAG = re.compile(r"<[^>]+>")


def text(html: str) -> str:
    return " ".join(TAG.sub(" ", html).replace("\xa0", " ").split())


def financed(app, client, make, login_as) -> int:
    coordinator = make.user("coordinator", email="coordinator@example.ru")
    make.municipality()
    parent = login_as("parent")
    cert_id = factories.certificate(app, parent, coordinator=coordinator).id
    factories.period(app, coordinator)
    assert form_post(client, f"/certificates/{cert_id}/financing",
                     page=f"/certificates/{cert_id}").status_code == 302
    return cert_id


def contracts(app, cert_id: int, first: int, count: int) -> None:
    """`count` contracts from number `first` on: each reserves 100 ₽, pays 30 ₽ and releases
    10 ₽ — three transfers of the certificate's money and its escrow."""
    with app.app_context(), unit_of_work():
        account = ledger.find_account(f"certificate:{cert_id}")
        payable = ledger.get_or_create_account("payable:1", AccountKind.PAYABLE)
        for n in range(first, first + count):
            held = ledger.get_or_create_account(f"escrow:{n}", AccountKind.ESCROW)
            ref = f"contract:{n}"
            escrow.reserve(account, held, 100_00, key=f"reserve:{n}", ref=ref,
                           reason=f"Резерв по договору № {n}")
            escrow.pay(held, payable, 30_00, key=f"pay:{n}", ref=ref,
                       reason=f"Оплата по договору № {n}")
            escrow.release(held, 10_00, key=f"release:{n}", ref=ref,
                           reason=f"Возврат резерва по договору № {n}")


def test_reserved_paid_and_available_come_from_the_escrows(app, client, make, login_as,
                                                            frozen_clock):
    cert_id = financed(app, client, make, login_as)  # 15.03.2026: 14 546,66 ₽ for 10 months
    contracts(app, cert_id, 1, 2)
    page = text(client.get(f"/certificates/{cert_id}").get_data(as_text=True))
    assert "Зарезервировано по договорам 120,00 ₽" in page  # 2 × (100 − 30 − 10)
    assert "Оплачено 60,00 ₽" in page
    assert "Доступно 14 366,66 ₽" in page  # 14 546,66 − 2 × 100 + 2 × 10
    assert "Возврат резерва по договору № 2" in page
    with app.app_context():
        assert ledger.check_invariants() == []


def test_the_balance_takes_the_same_number_of_queries_for_3_or_60_transfers(
        app, client, make, login_as, frozen_clock):
    cert_id = financed(app, client, make, login_as)
    contracts(app, cert_id, 1, 1)
    url = f"/certificates/{cert_id}"
    with count_queries(app) as few:
        assert client.get(url).status_code == 200
    contracts(app, cert_id, 2, 19)
    with count_queries(app) as many:
        assert client.get(url).status_code == 200
    assert len(few) == len(many), (few, many)
    page = text(client.get(url).get_data(as_text=True))
    assert "Зарезервировано по договорам 1 200,00 ₽" in page
    assert "Оплачено 600,00 ₽" in page


def test_the_balance_never_loads_the_transfer_rows(app, client, make, login_as, frozen_clock):
    """By query: sums come back, not the history (which only the history table reads)."""
    cert_id = financed(app, client, make, login_as)
    contracts(app, cert_id, 1, 20)
    with app.app_context():
        cert = db.session.get(Certificate, cert_id)
        cert.child  # noqa: B018 - loaded before counting
        with count_queries() as statements:
            shown = balance.balance(cert, today=local_today())
    assert (shown.reserved, shown.paid) == (20 * 60_00, 20 * 30_00)
    assert not [s for s in statements if "ledger_transfer.reason" in s], statements
    assert len(statements) <= 7, statements
