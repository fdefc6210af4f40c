"""Real concurrent connections on PostgreSQL: the guarded UPDATE and the UNIQUE key decide the
races on a certificate's money (docs/domain.md §10)."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from pfdo.db import db, unit_of_work
from pfdo.ledger import services as ledger
from pfdo.ledger.models import AccountKind, LedgerAccount, Transfer, TransferKind
from tests.concurrency import race

pytestmark = pytest.mark.pg

NOMINAL = 17_456_00
RESERVE = 3_000_00


def funded_certificate(app, *, period: int = 1) -> None:
    with app.app_context(), unit_of_work():
        fund = ledger.get_or_create_account(f"fund:{period}", AccountKind.FUND,
                                            overdraft_limit=10_000_000_00)
        certificate = ledger.get_or_create_account("certificate:17", AccountKind.CERTIFICATE)
        ledger.transfer(key=f"topup:17:{period}", debit=fund, credit=certificate,
                        amount=NOMINAL, kind=TransferKind.TOPUP,
                        reason="Пополнение сертификата на 2026 год")


def test_twenty_reservations_of_3000_from_17456_exactly_five_succeed(app):
    funded_certificate(app)

    def reserve(n: int) -> Transfer:
        certificate = ledger.find_account("certificate:17")
        escrow = ledger.get_or_create_account(f"escrow:{n}", AccountKind.ESCROW)
        return ledger.transfer(key=f"reserve:{n}", debit=certificate, credit=escrow,
                               amount=RESERVE, kind=TransferKind.RESERVE,
                               reason=f"Резерв по договору № {n}")

    outcomes = race(app, 20, reserve, unit=True)

    kinds = Counter(type(o).__name__ for o in outcomes)
    assert kinds == {"Transfer": 5, "InsufficientFunds": 15}, outcomes
    refusals = [o for o in outcomes if isinstance(o, ledger.InsufficientFunds)]
    # Each refusal tells the truth about the moment it was refused: never below 0, never 3 000.
    assert all(0 <= r.available < RESERVE for r in refusals)
    assert all(str(r).startswith("Недостаточно средств: доступно ") for r in refusals)
    with app.app_context():
        certificate = ledger.find_account("certificate:17")
        assert ledger.balance(certificate) == 2_456_00
        escrows = db.session.scalars(select(LedgerAccount).where(
            LedgerAccount.kind == AccountKind.ESCROW)).all()
        # A refused reservation rolled back whole, its new escrow account included.
        assert [ledger.balance(e) for e in escrows] == [RESERVE] * 5
        assert db.session.scalar(select(func.count()).select_from(Transfer).where(
            Transfer.kind == TransferKind.RESERVE)) == 5
        assert ledger.check_invariants() == []


def test_ten_top_ups_with_one_key_credit_the_certificate_once(app):
    with app.app_context(), unit_of_work():
        ledger.get_or_create_account("fund:1", AccountKind.FUND, overdraft_limit=10_000_000_00)
        ledger.get_or_create_account("certificate:17", AccountKind.CERTIFICATE)

    def top_up(n: int) -> int:
        transfer = ledger.transfer(
            key="topup:17:1", debit=ledger.find_account("fund:1"),
            credit=ledger.find_account("certificate:17"), amount=NOMINAL,
            kind=TransferKind.TOPUP, reason="Пополнение сертификата на 2026 год")
        return transfer.id

    outcomes = race(app, 10, top_up, unit=True)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert len(set(outcomes)) == 1  # every thread got the one transfer back
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Transfer)) == 1
        assert ledger.balance(ledger.find_account("certificate:17")) == NOMINAL
        assert ledger.balance(ledger.find_account("fund:1")) == -NOMINAL
        assert ledger.check_invariants() == []


def test_ten_creators_of_one_account_get_the_same_row(app):
    outcomes = race(app, 10, lambda n: ledger.get_or_create_account(
        "certificate:17", AccountKind.CERTIFICATE).id, unit=True)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert len(set(outcomes)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LedgerAccount)) == 1


def test_opposite_transfers_between_two_accounts_do_not_deadlock(app):
    """Half the threads correct A → B, half B → A: account rows are locked in id order."""
    with app.app_context(), unit_of_work():
        fund = ledger.get_or_create_account("fund:1", AccountKind.FUND,
                                            overdraft_limit=10_000_000_00)
        for code in ("certificate:1", "certificate:2"):
            account = ledger.get_or_create_account(code, AccountKind.CERTIFICATE)
            ledger.transfer(key=f"topup:{code}", debit=fund, credit=account, amount=1_000_00,
                            kind=TransferKind.TOPUP, reason="Пополнение")

    def correct(n: int) -> Transfer:
        a, b = ledger.find_account("certificate:1"), ledger.find_account("certificate:2")
        debit, credit = (a, b) if n % 2 else (b, a)
        return ledger.transfer(key=f"fix:{n}", debit=debit, credit=credit, amount=10_00,
                               kind=TransferKind.CORRECTION, reason="Исправление")

    outcomes = race(app, 16, correct, unit=True)

    assert all(isinstance(o, Transfer) for o in outcomes), outcomes
    with app.app_context():
        assert ledger.balance(ledger.find_account("certificate:1")) == 1_000_00
        assert ledger.balance(ledger.find_account("certificate:2")) == 1_000_00
        assert ledger.check_invariants() == []
