"""Ledger fixtures: an app context for the test and a small chart of accounts."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from pfdo.db import db, unit_of_work
from pfdo.ledger import services as ledger
from pfdo.ledger.models import AccountKind, LedgerAccount, TransferKind

BUDGET = 10_000_000_00  # 10 млн ₽ in kopecks
NOMINAL = 17_456_00
_keys = itertools.count(1)


@dataclass
class Chart:
    fund: LedgerAccount
    certificate: LedgerAccount
    other_certificate: LedgerAccount
    escrow: LedgerAccount
    payable: LedgerAccount


@pytest.fixture
def ctx(app):
    """An app context for the whole test; the session is dropped before the DB is wiped."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def chart(ctx) -> Chart:
    with unit_of_work():
        chart = Chart(
            fund=ledger.get_or_create_account("fund:1", AccountKind.FUND, overdraft_limit=BUDGET),
            certificate=ledger.get_or_create_account("certificate:17", AccountKind.CERTIFICATE),
            other_certificate=ledger.get_or_create_account("certificate:18",
                                                           AccountKind.CERTIFICATE),
            escrow=ledger.get_or_create_account("escrow:45", AccountKind.ESCROW),
            payable=ledger.get_or_create_account("payable:7", AccountKind.PAYABLE),
        )
    return chart


def move(debit, credit, amount, kind, *, key=None, reason="Операция", actor=None, ref=None):
    """One transfer in its own unit of work, as a use-case service would do it."""
    with unit_of_work():
        return ledger.transfer(key=key or f"test:{next(_keys)}", debit=debit, credit=credit,
                               amount=amount, kind=kind, reason=reason, actor=actor, ref=ref)


def top_up(chart: Chart, amount: int = NOMINAL, **kwargs):
    return move(chart.fund, chart.certificate, amount, TransferKind.TOPUP,
                reason=kwargs.pop("reason", "Пополнение сертификата на 2026 год"), **kwargs)
